// Warm files (docs/warming.md): the hottest keys of each database, with their values and
// absolute deadlines, written at shutdown or by WARM SAVE and loaded by WARM LOAD. The layout
// is the snapshot's (persist/snapshot.h) under its own magic, so every value type round-trips
// through the same record encoding (persist/snapshot_records.h):
//   "CACHETWARM" magic, varint format version (1)
//   kAux records (cachet-ver, ctime, policy: "lfu" or "lru", the stamp keys were ranked by)
//   per database: kSelectDb, then its key records hottest first
//   kAux keys, kEof, fixed64 XXH3-64 of every byte before it.
// The reader also accepts a snapshot file (CACHETSNAP), whose session records it skips.
//
// Thread-safety: a writer or reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "persist/binary_io.h"

namespace cachet {

inline constexpr char kWarmMagic[] = "CACHETWARM";
inline constexpr uint64_t kWarmVersion = 1;

// Writes a warm file atomically: a temporary file beside path, renamed over it by Commit.
class WarmFileWriter {
 public:
  WarmFileWriter() = default;
  ~WarmFileWriter();  // removes the temporary file when Commit was not reached
  WarmFileWriter(const WarmFileWriter&) = delete;
  WarmFileWriter& operator=(const WarmFileWriter&) = delete;

  // policy names the access stamp the keys were ranked by ("lfu" or "lru").
  bool Open(const std::string& path, std::string_view policy, std::string* error);
  void SelectDb(int db);
  // One key record (type and payload from EncodeKeyRecord).
  void AddKey(uint8_t type, std::string_view payload);
  // Ends the file, fsyncs it and renames it to path.
  bool Commit(std::string* error);
  uint64_t keys() const { return keys_; }
  uint64_t bytes() const { return w_.bytes_written(); }

 private:
  FileWriter w_;
  std::string path_;
  std::string tmp_;
  uint64_t keys_ = 0;
  bool open_ = false;
};

// Reads a warm file (or a snapshot) from a read-only mapping.
class WarmFileReader {
 public:
  enum class OpenResult { kOk, kCannotOpen, kNotWarmFile };

  WarmFileReader() = default;
  WarmFileReader(const WarmFileReader&) = delete;
  WarmFileReader& operator=(const WarmFileReader&) = delete;

  // Maps path and checks its header (magic and version). *error says why not.
  OpenResult Open(const std::string& path, std::string* error);
  // Walks every record and checks the checksum, applying nothing: a damaged file (truncated,
  // bad checksum, malformed record, database >= databases) is an error naming the offset.
  // *keys is the number of key records.
  bool Verify(int databases, uint64_t* keys, std::string* error);
  // The next key record after Verify: its database, record type and payload. False at the end.
  bool Next(int* db, uint8_t* type, std::string_view* payload);
  bool is_snapshot() const { return snapshot_; }

 private:
  // Reads [type][varint len][payload] at pos_; false when truncated.
  bool ReadRecord(uint8_t* type, std::string_view* payload);

  std::string path_;
  MappedFile file_;
  std::string_view data_;
  size_t header_end_ = 0;
  size_t pos_ = 0;
  int db_ = 0;
  bool snapshot_ = false;
};

}  // namespace cachet
