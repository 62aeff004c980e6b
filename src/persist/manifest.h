// The append-only log's manifest: which snapshot-format base file and which log files, in
// order, make up the dataset. Rewritten atomically (temporary file + rename) whenever the set
// of files changes, so a crash at any point leaves a manifest that names complete files.
//
//   cachet-aof-manifest 1
//   seq 3
//   base appendonly.3.base.snap
//   incr appendonly.3.incr.log
//   incr appendonly.4.incr.log
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cachet {

struct AofManifest {
  uint64_t seq = 0;  // highest sequence number used for file names
  std::string base;  // may be empty (no base yet)
  std::vector<std::string> incrs;
};

// Returns false with *error for a malformed manifest; *exists is false when there is none.
bool ReadManifest(const std::string& path, AofManifest* manifest, bool* exists, std::string* error);
bool WriteManifest(const std::string& path, const AofManifest& manifest, std::string* error);

}  // namespace cachet
