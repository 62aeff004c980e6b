// Engine: cachet's embedded keyspace. Owns the shards (each with a KeyTable and ExpiryHeap per
// database), memory accounting, eviction under maxmemory, active expiry and lazy freeing.
// Commands reach keys through KeyAccess (key_access.h), which locks the shards involved;
// keyless operations (DBSIZE, SCAN, FLUSH, SWAPDB) are methods here and lock shard by shard.
//
// Thread-safety: all public methods are thread-safe. Options set at runtime are atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "core/lfu.h"
#include "engine/eviction_policy.h"
#include "engine/keyspace_events.h"
#include "engine/leases.h"
#include "engine/namespaces.h"
#include "engine/propagation.h"
#include "engine/ready_keys.h"
#include "engine/recent_tag_invalidations.h"
#include "engine/session_store.h"
#include "engine/shard.h"
#include "engine/watch_registry.h"

namespace cachet {

class LazyFreer;

struct EngineOptions {
  int databases = 16;
  int64_t maxmemory = 0;  // 0: no limit
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int maxmemory_samples = 5;
  LfuParams lfu;
  const Clock* clock = SystemClock::Get();
  // Whether maxmemory counts the whole process's allocations (the server, like Redis's
  // used_memory) or only the dataset (an engine embedded in someone else's program).
  bool count_process_memory = true;
};

// Totals over all shards, for INFO.
struct EngineTotals {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t expired_active = 0;
  uint64_t expired_lag_total_ms = 0;
  int64_t expired_lag_max_ms = 0;
};

struct DbKeyspaceInfo {
  uint64_t keys = 0;
  uint64_t expires = 0;
  int64_t avg_ttl_ms = 0;
};

class Engine {
 public:
  static constexpr int kShardBits = 7;
  static constexpr int kShards = 1 << kShardBits;

  explicit Engine(const EngineOptions& options = EngineOptions());
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  int databases() const { return databases_; }
  const Clock* clock() const { return clock_; }
  int64_t NowMs() const { return clock_->NowMs(); }
  static int ShardIndex(uint64_t hash) { return static_cast<int>(hash & (kShards - 1)); }
  Shard& shard(int index) { return shards_[index]; }

  // Runtime options.
  int64_t maxmemory() const { return maxmemory_.load(std::memory_order_relaxed); }
  void set_maxmemory(int64_t bytes) { maxmemory_.store(bytes); }
  EvictionPolicy policy() const { return policy_.load(std::memory_order_relaxed); }
  void set_policy(EvictionPolicy p) { policy_.store(p); }
  int maxmemory_samples() const { return samples_.load(std::memory_order_relaxed); }
  void set_maxmemory_samples(int n) { samples_.store(n); }
  LfuParams lfu_params() const { return {lfu_log_factor_.load(), lfu_decay_time_.load()}; }
  void set_lfu_log_factor(int v) { lfu_log_factor_.store(v); }
  void set_lfu_decay_time(int v) { lfu_decay_time_.store(v); }
  // The access stamp a new or touched entry gets under the current policy.
  uint32_t InitialAccess() const;

  // Memory. DatasetBytes counts entries, tables and expiry heaps; UsedMemory adds what else the
  // process has allocated (connections, buffers), sampled from the allocator by RefreshMemory.
  int64_t DatasetBytes() const { return dataset_bytes_.load(std::memory_order_relaxed); }
  int64_t UsedMemory() const { return DatasetBytes() + overhead_bytes_.load(); }
  void AddDatasetBytes(int64_t delta) {
    dataset_bytes_.fetch_add(delta, std::memory_order_relaxed);
  }
  void RefreshMemory();
  // Evicts keys under the policy until UsedMemory() <= maxmemory. Returns false when that is
  // not possible (noeviction, or nothing evictable): the caller replies with the OOM error.
  bool EvictIfNeeded();
  bool OverMaxMemory() const {
    int64_t limit = maxmemory();
    return limit > 0 && UsedMemory() > limit;
  }

  // Removes expired keys from shards [worker, worker + workers, ...) within the time budget.
  // Returns the number removed.
  size_t ActiveExpire(int worker, int workers, int64_t budget_us);

  // Keyless operations.
  uint64_t DbSize(int db);
  DbKeyspaceInfo KeyspaceInfo(int db);
  void FlushDb(int db, bool async);
  void FlushAll(bool async);
  void SwapDb(int a, int b);
  // Calls emit(key, entry) for roughly `count` keys of db from cursor on (expired keys are
  // removed instead). Returns the next cursor, 0 when done. emit runs under a shard lock.
  uint64_t Scan(int db, uint64_t cursor, size_t count,
                const std::function<void(const Entry*)>& emit);
  // Calls visit on every live key of db, shard by shard, under each shard's lock.
  void ForEachKey(int db, const std::function<void(const Entry*)>& visit);
  std::optional<std::string> RandomKey(int db);
  // Whether key is stored in db with a TTL that has passed (it is logically gone but not yet
  // removed). Removes nothing (WATCH and EXEC look without changing the keyspace).
  bool KeyIsExpired(int db, std::string_view key);

  EngineTotals Totals();
  void ResetStats();
  uint64_t lazyfree_pending() const;

  // Frees a removed entry now, or on the lazy-free thread when async.
  void FreeSlices(std::vector<DbSlice> slices, bool async);

  // Every shard lock, in order (SWAPDB, FLUSH, snapshots and forks).
  void LockAll();
  void UnlockAll();
  // Calls fn(entry, deadline or -1) for every live entry of db without locking.
  // REQUIRES: LockAll() held by the caller, or a forked child.
  void ForEachEntryUnlocked(int db, const std::function<void(const Entry*, int64_t)>& fn);

  // The append-only log evictions are written to (DEL), or nullptr.
  void set_command_log(CommandLog* log) { command_log_.store(log); }
  CommandLog* command_log() const { return command_log_.load(); }
  // While loading persisted data nothing expires: replayed commands must see the keys as
  // they were when logged (deadlines are absolute; expired keys go once loading ends).
  bool loading() const { return loading_.load(std::memory_order_relaxed); }
  void set_loading(bool on) { loading_.store(on); }

  // Keys watched by MULTI/EXEC transactions.
  WatchRegistry& watches() { return watches_; }
  // Keys blocked clients wait on (BLPOP and friends).
  ReadyKeys& ready_keys() { return ready_keys_; }
  // User sessions (docs/sessions.md): outside the databases, cleared by FlushAll, evicted
  // only when no key can be, locked by LockAll.
  SessionStore& sessions() { return sessions_; }
  // Key namespaces (docs/namespaces.md): longest-prefix groups with per-namespace counters.
  NamespaceRegistry& namespaces() { return namespaces_; }
  // When tags were last invalidated (CACHE.FILL ... TAGS refuses a fill they would void).
  RecentTagInvalidations& tag_invalidations() { return tag_invalidations_; }
  // CACHE.FETCH / CACHE.FILL leases, recompute times and stale copies (docs/leases.md).
  LeaseManager& leases() { return leases_; }
  // Keyspace notifications (notify-keyspace-events): commands and expiry/eviction report here.
  KeyspaceEvents& events() { return events_; }
  const KeyspaceEvents& events() const { return events_; }
  // Changes since the last snapshot (for save rules and INFO).
  uint64_t dirty() const { return dirty_.load(std::memory_order_relaxed); }
  void AddDirty(uint64_t n) { dirty_.fetch_add(n, std::memory_order_relaxed); }
  void SubtractDirty(uint64_t n) { dirty_.fetch_sub(n); }

 private:
  friend class KeyAccess;
  size_t ExpireShard(Shard& shard, int64_t now, size_t limit);
  // Whether key is stored in db, and whether its TTL has passed. REQUIRES: its shard's lock.
  enum class StoredKey { kAbsent, kLive, kExpired };
  StoredKey StoredKeyUnlocked(int db, std::string_view key);
  // REQUIRES: LockAll held.
  bool ExistsUnlocked(int db, std::string_view key);

  const int databases_;
  const Clock* clock_;
  const bool count_process_memory_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<int64_t> maxmemory_;
  std::atomic<EvictionPolicy> policy_;
  std::atomic<int> samples_;
  std::atomic<int> lfu_log_factor_;
  std::atomic<int> lfu_decay_time_;
  std::atomic<int64_t> dataset_bytes_{0};
  std::atomic<int64_t> overhead_bytes_{0};
  std::atomic<uint32_t> evict_cursor_{0};
  std::atomic<CommandLog*> command_log_{nullptr};
  std::atomic<uint64_t> dirty_{0};
  std::atomic<bool> loading_{false};
  std::unique_ptr<LazyFreer> lazy_freer_;
  WatchRegistry watches_;
  ReadyKeys ready_keys_;
  KeyspaceEvents events_;
  SessionStore sessions_{this};
  NamespaceRegistry namespaces_{this};
  RecentTagInvalidations tag_invalidations_;
  LeaseManager leases_{this};
};

// Removes an entry's memory from the shard's and engine's accounting and frees it.
void DestroyEntry(Engine& engine, Shard& shard, Entry* e);

}  // namespace cachet
