// Taking a warm file (docs/warming.md): the `keys_per_db` hottest keys of every database, ranked
// by the access stamp the eviction policy keeps (the decayed LFU counter under *-lfu policies,
// the LRU clock otherwise), written hottest first with their values and remaining deadlines.
//
// Cost: one pass per database over its shards, one shard lock at a time, keeping at most
// keys_per_db key names (core/hot_keys.h); then each chosen key is encoded under its own
// shard's lock and written outside it. Keys that expired or went away in between are skipped.
//
// Thread-safety: thread-safe (takes the engine's locks as it goes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace cachet {

struct WarmSaveStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;
  int64_t duration_us = 0;
};

// How hot an entry with this access stamp is (higher is hotter): under an LFU policy the
// decayed counter, then the minute of the last access; otherwise the LRU clock.
uint64_t HotnessScore(bool lfu, const LfuParams& params, uint32_t access, int64_t now_ms);
// The names of db's `n` hottest live keys, hottest first.
std::vector<std::string> SelectHotKeys(Engine& engine, int db, size_t n);
// Writes the warm file to path atomically.
bool SaveWarmFile(Engine& engine, const std::string& path, size_t keys_per_db, WarmSaveStats* stats,
                  std::string* error);

}  // namespace cachet
