// Operations on one database slice of a locked shard, shared by KeyAccess, active expiry,
// eviction and flushing. Every entry insertion and removal goes through here, so memory
// accounting, the key order index and the tag index see all of them.
//
// REQUIRES (every function): shard.mu is held by the caller.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/engine.h"

namespace cachet {

// Bytes a slice's table, expiry heap, key order and tag indexes take (not the entries).
inline int64_t SliceIndexBytes(const DbSlice& slice) {
  return static_cast<int64_t>(slice.table.MemoryBytes() + slice.expires.MemoryBytes() +
                              slice.order.MemoryBytes() + slice.tags.MemoryBytes());
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

// Gives e the tag (charging the index growth). False when e already had it.
bool TagEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e, std::string_view tag);
// Drops all of e's tags (an overwrite that gives none), charging the index shrink.
void UntagEntry(Engine& engine, Shard& shard, DbSlice& slice, Entry* e);

// Entry::Resize for the entry e in slot, keeping the table and the key order index pointing at
// the result (the expiry heap is the caller's: it may be leaving or joining it).
Entry* ResizeEntry(DbSlice& slice, KeyTable::Slot* slot, Entry* e, size_t new_value_len,
                   bool has_expire, size_t reserve = 0);

// Frees every entry of the slices (used by flush, possibly on the lazy-free thread).
void FreeSliceEntries(DbSlice& slice);

}  // namespace cachet
