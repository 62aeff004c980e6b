// InvalidationLog: the recent invalidations (INVALIDATE LOG): what was invalidated, why, how
// many keys went, how long it took and the longest single lock hold. Each one is also
// published on kInvalidationChannel so that applications keeping in-process copies can drop
// theirs (docs/invalidation.md describes the message).
//
// Thread-safety: all methods thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace cachet {

inline constexpr char kInvalidationChannel[] = "__cachet__:invalidate";

struct InvalidationRecord {
  uint64_t id = 0;
  int64_t time_ms = 0;  // wall clock, when it finished
  std::string kind;     // "key", "tag", "pattern" or "event"
  std::string target;   // the keys, tags, pattern or event as given
  std::string reason;   // the command (or "event <name>") that asked for it
  int db = 0;
  uint64_t keys = 0;  // keys deleted
  int64_t duration_us = 0;
  int64_t longest_batch_us = 0;
};

class InvalidationLog {
 public:
  explicit InvalidationLog(size_t capacity = 128) : capacity_(capacity) {}

  // Stores r (assigning its id) and returns the id.
  uint64_t Add(InvalidationRecord r);
  // The newest count records, newest first.
  std::vector<InvalidationRecord> Recent(size_t count) const;
  void Reset();
  uint64_t total() const;       // invalidations since start
  uint64_t total_keys() const;  // keys they deleted

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::deque<InvalidationRecord> records_;
  uint64_t next_id_ = 0;
  uint64_t total_keys_ = 0;
};

// The JSON message published for r on kInvalidationChannel: the record's fields, plus the
// deleted keys (at most max_keys of them; "truncated" says whether that is all).
std::string InvalidationMessage(const InvalidationRecord& r, const std::vector<std::string>& keys,
                                bool truncated);

}  // namespace cachet
