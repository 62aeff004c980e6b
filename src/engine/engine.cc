// Engine construction, memory accounting, flushing, SWAPDB and statistics.
#include "engine/engine.h"

#include <algorithm>

#include "base/hash.h"
#include "engine/allocator_stats.h"
#include "engine/lazy_free.h"
#include "engine/slice_ops.h"
#include "engine/value_compression.h"

namespace cachet {

void RemoveSlot(Engine& engine, Shard& shard, DbSlice& slice, KeyTable::Slot* slot) {
  Entry* e = KeyTable::EntryAt(slot);
  if (!shard.leases.empty()) engine.leases().OnRemoved(shard, slice, e);
  int64_t before = SliceIndexBytes(slice);
  if (e->has_expire()) slice.expires.Remove(e);
  slice.table.Erase(slot);
  if (e->tagged()) slice.tags.RemoveKey(e->key());
  int64_t freed = static_cast<int64_t>(e->TotalBytes());
  NamespaceCounters* ns = shard.ns.Of(e->key());
  if (KeyOrderIndex::Holds(ns != nullptr)) slice.order.Erase(e);
  if (ns != nullptr) {
    --ns->keys;
    ns->memory -= freed;
  }
  NoteCompression(shard, e, -1);
  Entry::Destroy(e);
  Charge(engine, shard, SliceIndexBytes(slice) - before - freed);
}

void InsertEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e, uint64_t hash,
                 int64_t deadline) {
  int64_t before = SliceIndexBytes(slice);
  slice.table.Insert(e, hash);
  if (deadline >= 0) slice.expires.Push(e, deadline);
  NamespaceCounters* ns = shard.ns.Of(e->key());
  if (KeyOrderIndex::Holds(ns != nullptr)) slice.order.Insert(e);
  if (ns != nullptr) {
    ++ns->keys;
    ns->memory += static_cast<int64_t>(e->TotalBytes());
  }
  NoteCompression(shard, e, 1);
  Charge(engine, shard, SliceIndexBytes(slice) - before + static_cast<int64_t>(e->TotalBytes()));
}

bool TagEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e, std::string_view tag) {
  int64_t before = SliceIndexBytes(slice);
  bool added = slice.tags.Add(e->key(), tag);
  e->set_tagged(true);
  Charge(engine, shard, SliceIndexBytes(slice) - before);
  return added;
}

void UntagEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e) {
  if (!e->tagged()) return;
  int64_t before = SliceIndexBytes(slice);
  slice.tags.RemoveKey(e->key());
  e->set_tagged(false);
  Charge(engine, shard, SliceIndexBytes(slice) - before);
}

Entry* ResizeEntry(DbSlice& slice, KeyTable::Slot* slot, Entry* e, size_t new_value_len,
                   bool has_expire, size_t reserve) {
  if (e->ResizesInPlace(new_value_len, has_expire)) {
    return Entry::Resize(e, new_value_len, has_expire, reserve);
  }
  KeyOrderIndex::Position position = slice.order.PositionOf(e->key());
  Entry* n = Entry::Resize(e, new_value_len, has_expire, reserve);
  KeyTable::Replace(slot, n);
  KeyOrderIndex::Relocate(position, n);
  return n;
}

void FreeSliceEntries(DbSlice& slice) {
  slice.table.Clear([](Entry* e) { Entry::Destroy(e); });
  slice.expires.Clear();
}

void DestroyEntry(Engine& engine, Shard& shard, Entry* e) {
  Charge(engine, shard, -static_cast<int64_t>(e->TotalBytes()));
  Entry::Destroy(e);
}

Engine::Engine(const EngineOptions& options)
    : databases_(options.databases),
      clock_(options.clock),
      count_process_memory_(options.count_process_memory),
      shards_(new Shard[kShards]),
      maxmemory_(options.maxmemory),
      policy_(options.policy),
      samples_(options.maxmemory_samples),
      lfu_log_factor_(options.lfu.log_factor),
      lfu_decay_time_(options.lfu.decay_minutes),
      lazy_freer_(std::make_unique<LazyFreer>()) {
  for (int i = 0; i < kShards; ++i) {
    shards_[i].dbs.resize(databases_);
    shards_[i].rng_state += static_cast<uint64_t>(i) * 0x2545F4914F6CDD1DULL;
  }
  RefreshMemory();
}

Engine::~Engine() {
  for (int i = 0; i < kShards; ++i)
    for (DbSlice& slice : shards_[i].dbs) FreeSliceEntries(slice);
  lazy_freer_.reset();
}

uint32_t Engine::InitialAccess() const {
  return IsLfu(policy()) ? LfuInitial(NowMs()) : LruStamp(NowMs());
}

void Engine::RefreshMemory() {
  if (!count_process_memory_) return;
  AllocatorStats stats = ReadAllocatorStats();
  overhead_bytes_.store(std::max<int64_t>(0, stats.allocated - DatasetBytes()));
}

thread_local int ShardMutex::exclusive_depth = 0;

void Engine::LockAll() {
  if (ShardMutex::exclusive_depth++ > 0) return;
  for (int i = 0; i < kShards; ++i) shards_[i].mu.raw_lock();
  sessions_.Lock();
}

void Engine::UnlockAll() {
  if (--ShardMutex::exclusive_depth > 0) return;
  sessions_.Unlock();
  for (int i = kShards - 1; i >= 0; --i) shards_[i].mu.raw_unlock();
}

uint64_t Engine::DbSize(int db) {
  uint64_t n = 0;
  for (int i = 0; i < kShards; ++i) {
    std::lock_guard<ShardMutex> lock(shards_[i].mu);
    n += shards_[i].dbs[db].table.size();
  }
  return n;
}

DbKeyspaceInfo Engine::KeyspaceInfo(int db) {
  DbKeyspaceInfo info;
  int64_t now = NowMs();
  int64_t ttl_sum = 0;
  int64_t ttl_samples = 0;
  for (int i = 0; i < kShards; ++i) {
    std::lock_guard<ShardMutex> lock(shards_[i].mu);
    const DbSlice& slice = shards_[i].dbs[db];
    info.keys += slice.table.size();
    info.expires += slice.expires.size();
    // A few items per shard estimate the average TTL, as Redis's sampling does.
    for (size_t j = 0; j < slice.expires.size() && j < 8; ++j) {
      ttl_sum += std::max<int64_t>(
          0,
          slice.expires.At(j * (slice.expires.size() / 8 + 1) % slice.expires.size()).deadline_ms -
              now);
      ++ttl_samples;
    }
  }
  info.avg_ttl_ms = ttl_samples ? ttl_sum / ttl_samples : 0;
  return info;
}

void Engine::FreeSlices(std::vector<DbSlice> slices, bool async) {
  uint64_t keys = 0;
  for (const DbSlice& s : slices) keys += s.table.size();
  if (async && keys > 64) {
    lazy_freer_->Submit(std::move(slices), keys);
    return;
  }
  for (DbSlice& s : slices) FreeSliceEntries(s);
}

Engine::StoredKey Engine::StoredKeyUnlocked(int db, std::string_view key) {
  uint64_t hash = HashKey(key);
  DbSlice& slice = shards_[ShardIndex(hash)].dbs[db];
  KeyTable::Slot* slot = slice.table.Find(key, hash);
  if (slot == nullptr) return StoredKey::kAbsent;
  Entry* e = KeyTable::EntryAt(slot);
  bool expired = e->has_expire() && slice.expires.DeadlineOf(e) < NowMs();
  return expired ? StoredKey::kExpired : StoredKey::kLive;
}

bool Engine::ExistsUnlocked(int db, std::string_view key) {
  return StoredKeyUnlocked(db, key) == StoredKey::kLive;
}

bool Engine::KeyIsExpired(int db, std::string_view key) {
  std::lock_guard<ShardMutex> lock(shards_[ShardIndex(HashKey(key))].mu);
  return !loading() && StoredKeyUnlocked(db, key) == StoredKey::kExpired;
}

void Engine::FlushDb(int db, bool async) {
  std::vector<DbSlice> removed;
  LockAll();
  watches_.TouchDb(db, [&](std::string_view key) { return ExistsUnlocked(db, key); });
  uint64_t keys = 0;
  for (int i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    DbSlice& slice = shard.dbs[db];
    if (slice.table.size() == 0) continue;
    keys += slice.table.size();
    int64_t bytes = SliceIndexBytes(slice);
    slice.table.ForEach([&](Entry* e) {
      bytes += static_cast<int64_t>(e->TotalBytes());
      if (NamespaceCounters* ns = shard.ns.Of(e->key())) {
        --ns->keys;
        ns->memory -= static_cast<int64_t>(e->TotalBytes());
      }
      NoteCompression(shard, e, -1);
    });
    Charge(*this, shard, -bytes);
    removed.push_back(std::move(slice));
    slice = DbSlice();
  }
  leases_.FlushDb(db);
  AddDirty(keys);
  if (PropagationScope* scope = PropagationScope::Current()) scope->Emit();
  UnlockAll();
  FreeSlices(std::move(removed), async);
}

void Engine::FlushAll(bool async) {
  std::vector<DbSlice> removed;
  LockAll();
  for (int db = 0; db < databases_; ++db) {
    watches_.TouchDb(db, [&](std::string_view key) { return ExistsUnlocked(db, key); });
  }
  uint64_t keys = 0;
  for (int i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    for (DbSlice& slice : shard.dbs) {
      if (slice.table.size() == 0) continue;
      keys += slice.table.size();
      int64_t bytes = SliceIndexBytes(slice);
      slice.table.ForEach([&](Entry* e) { bytes += static_cast<int64_t>(e->TotalBytes()); });
      Charge(*this, shard, -bytes);
      for (NamespaceCounters& c : shard.ns.counters) {
        c.keys = c.memory = 0;
        c.compression = {};
      }
      shard.compression = {};
      removed.push_back(std::move(slice));
      slice = DbSlice();
    }
  }
  keys += sessions_.Clear();
  leases_.FlushDb(-1);
  AddDirty(keys);
  if (PropagationScope* scope = PropagationScope::Current()) scope->Emit();
  UnlockAll();
  FreeSlices(std::move(removed), async);
}

void Engine::SwapDb(int a, int b) {
  LockAll();
  // A watched key is touched if it exists in either database (its value changes or appears).
  auto in_either = [&](std::string_view key) {
    return ExistsUnlocked(a, key) || ExistsUnlocked(b, key);
  };
  watches_.TouchDb(a, in_either);
  watches_.TouchDb(b, in_either);
  for (int i = 0; i < kShards; ++i) std::swap(shards_[i].dbs[a], shards_[i].dbs[b]);
  leases_.FlushDb(a);  // leases and stale copies belong to the data that moved
  leases_.FlushDb(b);
  // Clients blocked on a key of either database may find it non-empty now.
  ready_keys_.TouchDb(a);
  ready_keys_.TouchDb(b);
  AddDirty(1);
  if (PropagationScope* scope = PropagationScope::Current()) scope->Emit();
  UnlockAll();
}

void Engine::ForEachEntryUnlocked(int db, const std::function<void(const Entry*, int64_t)>& fn) {
  int64_t now = NowMs();
  for (int i = 0; i < kShards; ++i) {
    const DbSlice& slice = shards_[i].dbs[db];
    slice.table.ForEach([&](Entry* e) {
      int64_t deadline = e->has_expire() ? slice.expires.DeadlineOf(e) : -1;
      if (deadline >= 0 && deadline < now) return;  // expired: not part of the dataset
      fn(e, deadline);
    });
  }
}

uint64_t Engine::Scan(int db, uint64_t cursor, size_t count,
                      const std::function<void(const Entry*)>& emit) {
  uint64_t position = cursor >> kShardBits;
  int s = static_cast<int>(cursor & (kShards - 1));
  if (position >> KeyTable::kPositionBits) return 0;
  size_t emitted = 0;
  while (s < kShards) {
    Shard& shard = shards_[s];
    std::vector<std::string> expired;
    uint64_t next;
    {
      std::lock_guard<ShardMutex> lock(shard.mu);
      DbSlice& slice = shard.dbs[db];
      int64_t now = NowMs();
      next = slice.table.Scan(position, count - emitted, [&](Entry* e) {
        if (e->has_expire() && slice.expires.DeadlineOf(e) < now) {
          expired.emplace_back(e->key());
          return;
        }
        emit(e);
        ++emitted;
      });
      for (const std::string& key : expired) {
        uint64_t hash = HashKey(key);
        KeyTable::Slot* slot = slice.table.Find(key, hash);
        if (slot != nullptr) {
          events_.Notify(kNotifyExpired, "expired", db, key);
          if (NamespaceCounters* ns = shard.ns.Of(key)) ++ns->expired;
          RemoveExpired(*this, shard, slice, db, slot, now);
          watches_.Touch(db, key, TouchKind::kRemoved);
          ++shard.counters.expired_keys;
        }
      }
    }
    if (next != 0) {
      position = next;
      if (emitted >= count) return (position << kShardBits) | static_cast<uint64_t>(s);
      continue;
    }
    ++s;
    position = 0;
    if (emitted >= count && s < kShards) return static_cast<uint64_t>(s);
  }
  return 0;
}

void Engine::ForEachKey(int db, const std::function<void(const Entry*)>& visit) {
  for (int i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<ShardMutex> lock(shard.mu);
    DbSlice& slice = shard.dbs[db];
    int64_t now = NowMs();
    slice.table.ForEach([&](Entry* e) {
      if (!(e->has_expire() && slice.expires.DeadlineOf(e) < now)) visit(e);
    });
  }
}

std::optional<std::string> Engine::RandomKey(int db) {
  thread_local uint64_t seed = 0x853c49e6748fea9bULL ^ reinterpret_cast<uintptr_t>(&seed);
  for (int attempt = 0; attempt < 100; ++attempt) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    int start = static_cast<int>((seed >> 33) % kShards);
    for (int n = 0; n < kShards; ++n) {
      Shard& shard = shards_[(start + n) % kShards];
      std::lock_guard<ShardMutex> lock(shard.mu);
      DbSlice& slice = shard.dbs[db];
      if (slice.table.size() == 0) continue;
      Entry* e = slice.table.Random(shard.NextRandom());
      if (e->has_expire() && slice.expires.DeadlineOf(e) < NowMs()) {
        std::string key(e->key());
        events_.Notify(kNotifyExpired, "expired", db, key);
        if (NamespaceCounters* ns = shard.ns.Of(key)) ++ns->expired;
        RemoveExpired(*this, shard, slice, db, slice.table.Find(key, HashKey(key)), NowMs());
        watches_.Touch(db, key, TouchKind::kRemoved);
        ++shard.counters.expired_keys;
        break;  // try again from another random shard
      }
      return std::string(e->key());
    }
  }
  return std::nullopt;
}

EngineTotals Engine::Totals() {
  EngineTotals t;
  for (int i = 0; i < kShards; ++i) {
    std::lock_guard<ShardMutex> lock(shards_[i].mu);
    const ShardCounters& c = shards_[i].counters;
    t.keyspace_hits += c.keyspace_hits;
    t.keyspace_misses += c.keyspace_misses;
    t.expired_keys += c.expired_keys;
    t.evicted_keys += c.evicted_keys;
    t.expired_active += c.expired_active;
    t.expired_lag_total_ms += c.expired_lag_total_ms;
    t.expired_lag_max_ms = std::max(t.expired_lag_max_ms, c.expired_lag_max_ms);
  }
  return t;
}

void Engine::ResetStats() {
  for (int i = 0; i < kShards; ++i) {
    std::lock_guard<ShardMutex> lock(shards_[i].mu);
    shards_[i].counters = ShardCounters();
  }
  sessions_.ResetStats();
  leases_.ResetStats();
}

uint64_t Engine::lazyfree_pending() const { return lazy_freer_->pending_keys(); }

}  // namespace cachet
