// Journal: cachet's append-only log. Write commands are appended (as framed records) to an
// in-memory buffer under the shard locks, written to the current log file before any reply
// that could depend on them is sent, and fsynced by the appendfsync policy.
//
// Record framing: [fixed32 payload length][fixed32 ~length][fixed32 XXH32 of payload][payload]
// (the complemented length tells a damaged length from a record cut short), where the
// payload is varint db, varint argc, then each argument as varint length + bytes. A record
// cut short at the end of a file is a torn tail; a record whose checksum does not match is
// corruption.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/propagation.h"
#include "persist/binary_io.h"

namespace cachet {

enum class FsyncPolicy { kAlways, kEverySec, kNo };
bool ParseFsyncPolicy(std::string_view s, FsyncPolicy* out);

// Encodes one record (framing included).
void EncodeJournalRecord(int db, std::span<const std::string_view> args, std::string* out);

class Journal : public CommandLog {
 public:
  explicit Journal(FsyncPolicy policy) : policy_(policy) {}
  ~Journal() override;

  // Opens path for appending (creating it). Returns false with *error.
  bool Open(const std::string& path, std::string* error);
  // Writes pending records to the current file, switches to new_path and returns. Used by
  // rewrites; the caller holds every shard lock so no record can fall between the files.
  // The new file must already exist (the caller created it and named it in the manifest);
  // the old file is fsynced after the switch, outside the caller's locks, by SyncRetired().
  bool Rotate(const std::string& new_path, std::string* error);
  void SyncRetired();

  void Append(int db, std::span<const std::string_view> args) override;
  bool has_pending() const { return pending_.load(std::memory_order_acquire); }
  // Whether everything appended so far is on disk (for "always": a thread whose records
  // another thread wrote out must still wait for an fsync that covers them).
  bool durable() const { return synced_.load() >= appended_.load(); }
  // Writes pending records to the file (and fsyncs under "always"). Returns false if the
  // write failed; the error is kept in last_error() and writes must then be refused.
  bool WriteOut();
  // fdatasync now (the everysec thread, shutdown).
  bool Sync();

  void set_policy(FsyncPolicy p) { policy_.store(p); }
  FsyncPolicy policy() const { return policy_.load(); }
  uint64_t file_size() const { return file_size_.load(); }
  bool write_error() const { return write_error_.load(); }
  std::string last_error() const;
  const std::string& path() const { return path_; }
  int64_t last_sync_us() const { return last_sync_us_.load(); }

 private:
  bool WriteLocked();
  bool SyncFd(int fd, uint64_t covers);  // fdatasync and close a dup of the log's fd

  std::atomic<FsyncPolicy> policy_;
  mutable std::mutex mu_;
  std::string buffer_;
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> pending_{false};
  std::atomic<uint64_t> file_size_{0};
  std::atomic<bool> write_error_{false};
  std::atomic<int64_t> last_sync_us_{0};
  std::atomic<uint64_t> appended_{0};  // bytes appended since open (logical offset)
  std::atomic<uint64_t> written_{0};   // of those, bytes written to the file
  std::atomic<uint64_t> synced_{0};    // of those, bytes known to be on disk
  int retired_fd_ = -1;
  std::string error_;
};

// Reads the records of one log file in order.
class JournalReader {
 public:
  enum class Status { kRecord, kEnd, kTornTail, kCorrupt };
  JournalReader() = default;
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;
  // Maps the file read-only (no copy in memory, whatever its size).
  bool Open(const std::string& path, std::string* error);
  // kRecord: *db and *args hold the command (views valid until the next call).
  Status Next(int* db, std::vector<std::string_view>* args);
  // Offset of the first byte of the last record returned or rejected.
  uint64_t record_offset() const { return record_offset_; }
  uint64_t size() const { return data_.size(); }
  const std::string& problem() const { return problem_; }

 private:
  MappedFile file_;
  std::string_view data_;
  size_t pos_ = 0;
  uint64_t record_offset_ = 0;
  std::string problem_;
};

}  // namespace cachet
