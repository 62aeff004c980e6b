// Shard: one slice of the keyspace (all databases) behind one mutex. A key lives in the shard
// chosen by the low bits of its hash; a command locks only the shards of its keys.
//
// Thread-safety: every field except `mu` is guarded by `mu`.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/compressed_value.h"
#include "core/expiry_heap.h"
#include "core/key_order_index.h"
#include "core/key_table.h"
#include "core/namespace_index.h"
#include "core/tag_index.h"
#include "engine/shard_leases.h"

namespace cachet {

// One database's part of a shard: the keys, their ordered expiry index, the keys in byte order
// (prefix walks) and their tags. Moving a slice (FLUSH, SWAPDB) moves all of them together.
struct DbSlice {
  KeyTable table;
  ExpiryHeap expires;
  KeyOrderIndex order;
  TagIndex tags;
};

struct ShardCounters {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t expired_lag_total_ms = 0;  // sum over actively expired keys of (now - deadline)
  uint64_t expired_active = 0;        // keys removed by the active cycle
  int64_t expired_lag_max_ms = 0;
};

// A shard's mutex. A thread that took every shard at once (Engine::LockAll: SWAPDB, FLUSH,
// snapshots, MULTI/EXEC) already holds it, so lock() and unlock() are no-ops for that thread
// until it releases them all; that lets a transaction run ordinary commands unchanged.
class ShardMutex {
 public:
  void lock() {
    if (exclusive_depth == 0) mu_.lock();
  }
  void unlock() {
    if (exclusive_depth == 0) mu_.unlock();
  }
  void raw_lock() { mu_.lock(); }
  void raw_unlock() { mu_.unlock(); }
  // How many nested LockAll() this thread is inside.
  static thread_local int exclusive_depth;

 private:
  std::mutex mu_;
};

// A namespace's counters in one shard (summed over shards by NAMESPACE.STATS).
struct NamespaceCounters {
  int64_t keys = 0;
  int64_t memory = 0;  // entries' bytes (key, value, container)
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
  CompressionCounters compression;  // its compressed values (engine/value_compression.h)
};

// What a shard knows of the namespaces: the index its counters were computed with (switched
// under mu when namespaces change, after recounting), and counters by namespace slot.
struct ShardNamespaces {
  const NamespaceIndex* index = nullptr;  // nullptr: no namespaces
  std::vector<NamespaceCounters> counters;

  // The counters of key's namespace, or nullptr when it has none.
  NamespaceCounters* Of(std::string_view key) {
    if (index == nullptr) return nullptr;
    const NamespaceSpec* ns = index->Match(key);
    if (ns == nullptr) return nullptr;
    if (counters.size() <= static_cast<size_t>(ns->slot)) counters.resize(ns->slot + 1);
    return &counters[ns->slot];
  }
};

struct Shard {
  ShardMutex mu;
  ShardNamespaces ns;
  ShardLeases leases;  // CACHE.FETCH leases and stale copies (engine/leases.h)
  std::vector<DbSlice> dbs;
  int64_t bytes = 0;  // entries + tables + heaps, as the allocator sized them
  ShardCounters counters;
  CompressionCounters compression;  // compressed values of every database (value_compression.h)
  uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

  uint64_t NextRandom() {  // xorshift64*, under mu
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
  }
};

}  // namespace cachet
