// Eviction under maxmemory: Redis's policies, approximated by sampling like Redis does.
// Each round visits the next shard (rotating, so every shard is considered), samples
// maxmemory-samples candidates there and evicts the best one for the policy.
#include <algorithm>

#include "base/hash.h"
#include "engine/engine.h"
#include "engine/slice_ops.h"

namespace cachet {
namespace {

struct Candidate {
  Entry* entry = nullptr;
  int db = -1;
  int64_t score = -1;  // higher evicts first
};

// How much the policy wants to evict e (higher first).
int64_t Score(EvictionPolicy policy, const Entry* e, int64_t deadline, int64_t now,
              const LfuParams& lfu) {
  switch (policy) {
    case EvictionPolicy::kAllKeysLru:
    case EvictionPolicy::kVolatileLru:
      return LruIdleSeconds(e->access(), now);
    case EvictionPolicy::kAllKeysLfu:
    case EvictionPolicy::kVolatileLfu:
      return 255 - LfuDecayedCounter(e->access(), now, lfu);
    case EvictionPolicy::kVolatileTtl:
      return INT64_MAX - deadline;
    default:
      return 0;
  }
}

}  // namespace

bool Engine::EvictIfNeeded() {
  if (!OverMaxMemory()) return true;
  EvictionPolicy policy = this->policy();
  if (policy == EvictionPolicy::kNoEviction) return false;
  const bool volatile_only = IsVolatile(policy);
  const LfuParams lfu = lfu_params();
  int misses = 0;
  while (OverMaxMemory()) {
    if (leases_.EvictStale()) continue;  // stale copies go before any live key
    if (misses >= kShards) {
      // No cache key left that the policy may evict: only now do sessions go, least recently
      // active first (docs/sessions.md).
      if (sessions_.EvictOne()) {
        misses = 0;
        continue;
      }
      return false;
    }
    Shard& shard = shards_[evict_cursor_.fetch_add(1) % kShards];
    std::lock_guard<ShardMutex> lock(shard.mu);
    int64_t now = NowMs();
    Candidate best;
    int samples = std::max(1, maxmemory_samples());
    for (int db = 0; db < databases_; ++db) {
      DbSlice& slice = shard.dbs[db];
      size_t population = volatile_only ? slice.expires.size() : slice.table.size();
      if (population == 0) continue;
      if (policy == EvictionPolicy::kVolatileTtl) {
        const ExpiryHeap::Item& top = slice.expires.Top();
        int64_t score = Score(policy, top.entry, top.deadline_ms, now, lfu);
        if (score > best.score) best = {top.entry, db, score};
        continue;
      }
      for (int i = 0; i < samples; ++i) {
        uint64_t r = shard.NextRandom();
        Entry* e = volatile_only ? slice.expires.At(r % population).entry : slice.table.Random(r);
        int64_t score = Score(policy, e, -1, now, lfu);
        if (score > best.score) best = {e, db, score};
      }
    }
    if (best.entry == nullptr) {
      ++misses;
      continue;
    }
    misses = 0;
    DbSlice& slice = shard.dbs[best.db];
    std::string_view key = best.entry->key();
    if (CommandLog* log = command_log()) {  // replay must not bring the key back
      std::string_view del[] = {"DEL", key};
      log->Append(best.db, del);
    }
    watches_.Touch(best.db, key, TouchKind::kRemoved);
    events_.Notify(kNotifyEvicted, "evicted", best.db, key);
    if (NamespaceCounters* ns = shard.ns.Of(key)) ++ns->evicted;
    RemoveSlot(*this, shard, slice, slice.table.Find(key, HashKey(key)));
    ++shard.counters.evicted_keys;
  }
  return true;
}

}  // namespace cachet
