// Manifest reading and atomic writing.
#include "persist/manifest.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/numbers.h"
#include "persist/binary_io.h"
#include "persist/snapshot.h"

namespace cachet {

bool ReadManifest(const std::string& path, AofManifest* manifest, bool* exists,
                  std::string* error) {
  std::ifstream in(path);
  *exists = in.good();
  if (!*exists) return true;
  std::string line;
  int number = 0;
  *manifest = AofManifest();
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::string kind, value;
    words >> kind >> value;
    auto bad = [&](const std::string& why) {
      *error = "append-only manifest '" + path + "' line " + std::to_string(number) + ": " + why;
      return false;
    };
    if (number == 1) {
      if (kind != "cachet-aof-manifest" || value != "1") return bad("not a cachet manifest");
      continue;
    }
    if (kind.empty()) continue;
    if (value.empty() || value.find('/') != std::string::npos) return bad("bad file name");
    if (kind == "seq") {
      int64_t seq = 0;
      if (!ParseInt64(value, &seq) || seq < 0) return bad("bad sequence number");
      manifest->seq = static_cast<uint64_t>(seq);
    } else if (kind == "base") {
      manifest->base = value;
    } else if (kind == "incr") {
      manifest->incrs.push_back(value);
    } else {
      return bad("unknown entry '" + kind + "'");
    }
  }
  if (number == 0) {
    *error = "append-only manifest '" + path + "' is empty";
    return false;
  }
  return true;
}

bool WriteManifest(const std::string& path, const AofManifest& manifest, std::string* error) {
  std::string text = "cachet-aof-manifest 1\nseq " + std::to_string(manifest.seq) + "\n";
  if (!manifest.base.empty()) text += "base " + manifest.base + "\n";
  for (const std::string& incr : manifest.incrs) text += "incr " + incr + "\n";
  std::string tmp = path + ".tmp";
  FileWriter w;
  if (!w.Open(tmp, error)) return false;
  w.Bytes(text);
  if (!w.Sync() || !w.Close()) {
    *error = w.error();
    return false;
  }
  return CommitFile(tmp, path, error);
}

}  // namespace cachet
