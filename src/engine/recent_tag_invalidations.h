// RecentTagInvalidations: which tag invalidation (a sequence number) last hit each tag, for the
// leases' promise that an invalidation between lease and fill voids the fill (docs/leases.md). A
// lease on a missing key is not tied to any tag, so CACHE.FILL ... TAGS asks here whether one of
// its tags was invalidated after the lease was granted (the lease records sequence() at its grant).
// Bounded: beyond kCapacity records the oldest are dropped, and a fill granted before the
// newest dropped one is then treated as invalidated (refused rather than risk stale data).
//
// Thread-safety: all methods thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace cachet {

class RecentTagInvalidations {
 public:
  static constexpr size_t kCapacity = 65536;

  // Records an invalidation of tag in db.
  void Note(int db, std::string_view tag);
  // How many invalidations were recorded so far.
  uint64_t sequence() const;
  // Whether one of tags (of db) was invalidated after sequence() returned since.
  bool AnySince(int db, std::span<const std::string_view> tags, uint64_t since) const;

 private:
  static std::string Slot(int db, std::string_view tag);

  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::unordered_map<std::string, uint64_t> last_;
  std::deque<std::pair<uint64_t, std::string>> order_;  // (sequence, slot), oldest first
  uint64_t dropped_until_ = 0;  // newest sequence among records dropped for capacity
};

}  // namespace cachet
