// Point-in-time snapshots of the whole keyspace in cachet's versioned binary format.
//
// File layout:
//   "CACHETSNAP" magic, varint format version
//   records: [u8 type][varint payload length][payload]
//     kAux      key/value metadata (creation time, cachet version, key count)
//     kSelectDb varint database index
//     kString   varint flags, [fixed64 absolute deadline ms if flags & 1], key, value
//     kTags     key, varint n, n tags: the tags of the key whose record came just before
//     kSession  one user session (core/session.h SerializeSession), after the databases
//   kEof (no length), then fixed64 XXH3-64 of every byte before it.
// Record types a reader does not know are skipped by length, so later features (tags,
// namespaces, sessions) add record types without breaking older files.
//
// Thread-safety: WriteSnapshot requires the caller to hold every shard lock (or to be a forked
// child, whose copy of the keyspace nothing else touches). LoadSnapshot locks per key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "engine/engine.h"

namespace cachet {

inline constexpr char kSnapshotMagic[] = "CACHETSNAP";
inline constexpr uint64_t kSnapshotVersion = 1;

enum SnapshotRecord : uint8_t {
  kRecordString = 0x01,
  // varint flags, [fixed64 deadline], key, u8 value type, then the container's own encoding.
  kRecordContainer = 0x02,
  kRecordSession = 0x03,
  // key, varint count, tags: the tags of the key written just before (docs/tags.md).
  kRecordTags = 0x04,
  kRecordAux = 0xFA,
  kRecordSelectDb = 0xFE,
  kRecordEof = 0xFF,
};

struct SnapshotStats {
  uint64_t keys = 0;
  uint64_t sessions = 0;
  uint64_t expired_skipped = 0;
  uint64_t bytes = 0;
  int64_t duration_us = 0;
};

// Writes the keyspace to path atomically (temporary file, fsync, rename, fsync of the
// directory). REQUIRES: all shard locks held, or a forked child.
bool WriteSnapshot(Engine& engine, const std::string& path, SnapshotStats* stats,
                   std::string* error);

// Loads path into engine (which should be empty). Keys whose deadline has passed are skipped.
// Any damage (bad magic, unknown version, truncation, checksum mismatch, malformed record) is
// an error naming the file and offset; nothing is silently skipped.
bool LoadSnapshot(Engine& engine, const std::string& path, SnapshotStats* stats, std::string* error,
                  const EncodingLimits& limits = EncodingLimits());

// Gives key (in db, if it is there: a key skipped as expired is not) the tags of a kRecordTags
// record.
void ApplyTags(Engine& engine, int db, std::string_view key,
               const std::vector<std::string_view>& tags);

// Renames tmp to path and fsyncs the directory, so the new name survives a crash.
bool CommitFile(const std::string& tmp, const std::string& path, std::string* error);

}  // namespace cachet
