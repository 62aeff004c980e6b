// Hot-key selection and warm file writing.
#include "persist/warm_save.h"

#include "base/clock.h"
#include "core/hot_keys.h"
#include "engine/key_access.h"
#include "persist/snapshot_records.h"
#include "persist/warm_file.h"

namespace cachet {

uint64_t HotnessScore(bool lfu, const LfuParams& params, uint32_t access, int64_t now_ms) {
  if (!lfu) return access;  // LRU clock: the later, the hotter
  uint64_t counter = LfuDecayedCounter(access, now_ms, params);
  return (counter << 16) | (access >> 8);
}

std::vector<std::string> SelectHotKeys(Engine& engine, int db, size_t n) {
  HotKeys hot(n);
  int64_t now = engine.NowMs();
  bool lfu = IsLfu(engine.policy());
  LfuParams params = engine.lfu_params();
  engine.ForEachKey(db, [&](const Entry* e) {
    // Tagged keys are not warmed: a warm file does not carry tags, and a key brought back
    // without them would survive the invalidation of its tags.
    if (e->tagged()) return;
    hot.Offer(HotnessScore(lfu, params, e->access(), now), e->key());
  });
  std::vector<std::string> keys;
  for (HotKeys::Candidate& c : hot.TakeHottestFirst()) keys.push_back(std::move(c.key));
  return keys;
}

bool SaveWarmFile(Engine& engine, const std::string& path, size_t keys_per_db, WarmSaveStats* stats,
                  std::string* error) {
  int64_t start = MonotonicUs();
  WarmFileWriter writer;
  if (!writer.Open(path, IsLfu(engine.policy()) ? "lfu" : "lru", error)) return false;
  std::string payload;
  for (int db = 0; db < engine.databases() && keys_per_db > 0; ++db) {
    std::vector<std::string> keys = SelectHotKeys(engine, db, keys_per_db);
    if (keys.empty()) continue;
    writer.SelectDb(db);
    for (const std::string& key : keys) {
      uint8_t type;
      {
        KeyAccess access(engine, key);
        const Entry* e = access.Find(db, key, /*touch=*/false);
        if (e == nullptr || e->tagged()) continue;  // removed, expired or tagged since the pass
        type = EncodeKeyRecord(e, access.DeadlineOf(db, e), &payload);
      }
      writer.AddKey(type, payload);
    }
  }
  if (!writer.Commit(error)) return false;
  if (stats != nullptr) {
    stats->keys = writer.keys();
    stats->bytes = writer.bytes();
    stats->duration_us = MonotonicUs() - start;
  }
  return true;
}

}  // namespace cachet
