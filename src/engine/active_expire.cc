// The active expiry cycle: pops due keys from each shard's ordered expiry heaps, so expired
// keys are reclaimed promptly even if nobody reads them, and records the expiration lag.
#include <algorithm>

#include "base/hash.h"
#include "engine/engine.h"
#include "engine/slice_ops.h"

namespace cachet {

size_t Engine::ExpireShard(Shard& shard, int64_t now, size_t limit) {
  size_t removed = 0;
  std::lock_guard<ShardMutex> lock(shard.mu);
  for (int db = 0; db < static_cast<int>(shard.dbs.size()); ++db) {
    DbSlice& slice = shard.dbs[db];
    while (!slice.expires.empty() && removed < limit) {
      const ExpiryHeap::Item& top = slice.expires.Top();
      if (top.deadline_ms >= now) break;
      int64_t lag = now - top.deadline_ms;
      Entry* e = top.entry;
      KeyTable::Slot* slot = slice.table.Find(e->key(), HashKey(e->key()));
      watches_.Touch(db, e->key(), TouchKind::kRemoved);
      events_.Notify(kNotifyExpired, "expired", db, e->key());
      if (NamespaceCounters* ns = shard.ns.Of(e->key())) ++ns->expired;
      RemoveExpired(*this, shard, slice, db, slot, now);
      ShardCounters& c = shard.counters;
      ++c.expired_keys;
      ++c.expired_active;
      c.expired_lag_total_ms += static_cast<uint64_t>(lag);
      c.expired_lag_max_ms = std::max(c.expired_lag_max_ms, lag);
      ++removed;
    }
  }
  leases_.Expire(shard, now);
  return removed;
}

size_t Engine::ActiveExpire(int worker, int workers, int64_t budget_us) {
  int64_t start = MonotonicUs();
  int64_t now = NowMs();
  size_t removed = 0;
  // Start where the previous cycle of this worker stopped, so a tight budget still reaches
  // every shard over successive cycles.
  thread_local int next_round = 0;
  if (worker == 0) removed += sessions_.ActiveExpire(budget_us / 4);
  int per_worker = (kShards + workers - 1) / workers;
  for (int n = 0; n < per_worker; ++n) {
    int s = worker + ((next_round + n) % per_worker) * workers;
    if (s >= kShards) continue;
    removed += ExpireShard(shards_[s], now, 200);
    if (MonotonicUs() - start > budget_us) {
      next_round = (next_round + n + 1) % per_worker;
      return removed;
    }
  }
  return removed;
}

}  // namespace cachet
