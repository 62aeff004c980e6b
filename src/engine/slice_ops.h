// Operations on one database slice of a locked shard, shared by KeyAccess, active expiry,
// eviction and flushing. Every entry insertion and removal goes through here, so memory
// accounting (and, later, keyspace observers such as WATCH and tag indexes) sees all of them.
//
// REQUIRES (every function): shard.mu is held by the caller.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/engine.h"

namespace cachet {

// Bytes a slice's table and expiry heap take (not the entries).
inline int64_t SliceIndexBytes(const DbSlice& slice) {
  return static_cast<int64_t>(slice.table.MemoryBytes() + slice.expires.MemoryBytes());
}

inline void Charge(Engine& engine, Shard& shard, int64_t delta) {
  shard.bytes += delta;
  engine.AddDatasetBytes(delta);
}

// Charge for a change in e's own size (value resized, container grown), which its namespace's
// memory follows too.
inline void ChargeEntry(Engine& engine, Shard& shard, const Entry* e, int64_t entry_delta,
                        int64_t index_delta = 0) {
  Charge(engine, shard, entry_delta + index_delta);
  if (NamespaceCounters* ns = shard.ns.Of(e->key())) ns->memory += entry_delta;
}

// Unlinks the entry in slot from the table and expiry heap and frees it.
void RemoveSlot(Engine& engine, Shard& shard, DbSlice& slice, KeyTable::Slot* slot);

// Links a new entry (key absent) into the table, and into the heap when deadline >= 0.
void InsertEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e, uint64_t hash,
                 int64_t deadline);

// Frees every entry of the slices (used by flush, possibly on the lazy-free thread).
void FreeSliceEntries(DbSlice& slice);

}  // namespace cachet
