// KeyAccess: per-command locking and the key-level primitives commands are built from.
#include "engine/key_access.h"

#include <algorithm>
#include <cstring>

#include "base/hash.h"
#include "base/numbers.h"
#include "engine/slice_ops.h"
#include "engine/value_compression.h"

namespace cachet {

Encoding ChooseStringEncoding(std::string_view value) {
  int64_t ignored;
  if (value.size() <= 20 && ParseInt64(value, &ignored)) return Encoding::kInt;
  return value.size() <= 44 ? Encoding::kEmbStr : Encoding::kRaw;
}

KeyAccess::KeyAccess(Engine& engine, std::string_view key) : engine_(engine) {
  single_shard_ = Engine::ShardIndex(HashKey(key));
  engine_.shard(single_shard_).mu.lock();
  now_ = engine_.NowMs();
}

KeyAccess::KeyAccess(Engine& engine, WholeShard shard) : engine_(engine) {
  single_shard_ = shard.index;
  engine_.shard(single_shard_).mu.lock();
  now_ = engine_.NowMs();
}

KeyAccess::KeyAccess(Engine& engine, std::span<const std::string_view> keys) : engine_(engine) {
  shards_.reserve(keys.size());
  for (std::string_view key : keys) shards_.push_back(Engine::ShardIndex(HashKey(key)));
  std::sort(shards_.begin(), shards_.end());
  shards_.erase(std::unique(shards_.begin(), shards_.end()), shards_.end());
  for (int s : shards_) engine_.shard(s).mu.lock();
  now_ = engine_.NowMs();
}

KeyAccess::~KeyAccess() {
  if (mutated_) {
    engine_.AddDirty(1);
    // Still under the shard locks: the log sees changes to a key in execution order.
    if (PropagationScope* scope = PropagationScope::Current()) {
      scope->Emit();
      CommandLog* log = engine_.command_log();
      for (const DefaultTtl& d : default_ttls_) {
        if (log == nullptr) break;
        std::string at = Int64ToString(d.deadline);
        std::string_view args[] = {"PEXPIREAT", d.key, at};
        log->Append(d.db, args);
      }
    }
  }
  if (single_shard_ >= 0) {
    engine_.shard(single_shard_).mu.unlock();
    return;
  }
  for (auto it = shards_.rbegin(); it != shards_.rend(); ++it) engine_.shard(*it).mu.unlock();
}

int64_t KeyAccess::WithNamespaceDefault(Shard& shard, int db, std::string_view key,
                                        int64_t deadline) {
  if (deadline != kNoDeadline || shard.ns.index == nullptr || engine_.loading()) return deadline;
  const NamespaceSpec* ns = shard.ns.index->Match(key);
  if (ns == nullptr || ns->ttl_ms <= 0) return deadline;
  int64_t at = now_ + ns->ttl_ms;
  default_ttls_.push_back({db, std::string(key), at});
  return at;
}

Shard& KeyAccess::ShardFor(std::string_view key, uint64_t* hash) {
  *hash = HashKey(key);
  return engine_.shard(Engine::ShardIndex(*hash));
}

void KeyAccess::Touch(Shard& shard, Entry* e) {
  if (IsLfu(engine_.policy())) {
    double r = static_cast<double>(shard.NextRandom() >> 11) * 0x1.0p-53;
    e->set_access(LfuTouch(e->access(), now_, engine_.lfu_params(), r));
  } else {
    e->set_access(LruStamp(now_));
  }
}

Entry* KeyAccess::FindIn(Shard& shard, int db, std::string_view key, uint64_t hash, bool touch) {
  DbSlice& slice = shard.dbs[db];
  KeyTable::Slot* slot = slice.table.Find(key, hash);
  if (slot == nullptr) return nullptr;
  Entry* e = KeyTable::EntryAt(slot);
  if (e->has_expire() && slice.expires.DeadlineOf(e) < now_ && !engine_.loading()) {
    engine_.watches().Touch(db, key, TouchKind::kRemoved);
    engine_.events().Notify(kNotifyExpired, "expired", db, key);
    if (NamespaceCounters* ns = shard.ns.Of(key)) ++ns->expired;
    RemoveExpired(engine_, shard, slice, db, slot, now_);
    ++shard.counters.expired_keys;
    return nullptr;
  }
  if (touch) Touch(shard, e);
  return e;
}

Entry* KeyAccess::Find(int db, std::string_view key, bool touch) {
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  return FindIn(shard, db, key, hash, touch);
}

Entry* KeyAccess::FindRead(int db, std::string_view key, bool touch) {
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  Entry* e = FindIn(shard, db, key, hash, touch);
  if (NamespaceCounters* ns = shard.ns.Of(key)) ++(e != nullptr ? ns->hits : ns->misses);
  if (e != nullptr) {
    ++shard.counters.keyspace_hits;
  } else {
    ++shard.counters.keyspace_misses;
    engine_.events().Notify(kNotifyKeyMiss, "keymiss", db, key);
  }
  return e;
}

int64_t KeyAccess::DeadlineOf(int db, const Entry* e) {
  if (!e->has_expire()) return kNoDeadline;
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  return shard.dbs[db].expires.DeadlineOf(e);
}

Entry* KeyAccess::SetString(int db, std::string_view key, std::string_view value, Encoding enc,
                            int64_t deadline, bool keep_tags) {
  // With notifications on, an expired key being overwritten reports "expired" first, as in
  // Redis; otherwise the expired entry is simply replaced below.
  if (engine_.events().flags() != 0) Find(db, key, false);
  Mutated(db, key);
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  deadline = WithNamespaceDefault(shard, db, key, deadline);
  value = PackString(shard.ns, key, value, &enc);
  DbSlice& slice = shard.dbs[db];
  KeyTable::Slot* slot = slice.table.Find(key, hash);
  std::vector<std::string> kept_tags;
  if (slot != nullptr) {
    Entry* e = KeyTable::EntryAt(slot);
    bool expired = e->has_expire() && slice.expires.DeadlineOf(e) < now_ && !engine_.loading();
    if (deadline == kKeepDeadline) deadline = expired ? kNoDeadline : DeadlineOf(db, e);
    size_t capacity = e->value_capacity();
    bool fits = value.size() <= capacity && capacity <= value.size() * 2 + 64;
    if (fits && e->type() == ValueType::kString && (deadline >= 0) == e->has_expire() &&
        enc != Encoding::kCompressed && e->encoding() != Encoding::kCompressed) {
      // Reuse the allocation when the new value fits it.
      int64_t before = static_cast<int64_t>(e->AllocatedBytes());
      Entry* n = ResizeEntry(slice, slot, e, value.size(), e->has_expire());
      if (n->has_expire() && n != e) slice.expires.Relocate(n);
      if (deadline >= 0) slice.expires.Update(n, deadline);
      if (!value.empty()) memcpy(n->mutable_value(), value.data(), value.size());
      n->set_encoding(enc);
      n->set_access(engine_.InitialAccess());
      if (!keep_tags) UntagEntry(engine_, shard, slice, n);  // only the tags it gives
      ChargeEntry(engine_, shard, n, static_cast<int64_t>(n->AllocatedBytes()) - before);
      return n;
    }
    if (keep_tags && e->tagged() && !expired) {
      if (const std::vector<std::string>* tags = slice.tags.TagsOf(key)) kept_tags = *tags;
    }
    RemoveSlot(engine_, shard, slice, slot);
  } else {
    if (deadline == kKeepDeadline) deadline = kNoDeadline;
    engine_.events().Notify(kNotifyNew, "new", db, key);
  }
  Entry* e = Entry::CreateWith(key, value, deadline >= 0);
  e->set_encoding(enc);
  e->set_access(engine_.InitialAccess());
  InsertEntry(engine_, shard, slice, e, hash, deadline);
  for (const std::string& tag : kept_tags) TagEntry(engine_, shard, slice, e, tag);
  return e;
}

Entry* KeyAccess::CreateString(int db, std::string_view key, size_t value_len, size_t reserve,
                               Encoding enc, int64_t deadline) {
  Mutated(db, key);
  engine_.events().Notify(kNotifyNew, "new", db, key);
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  deadline = WithNamespaceDefault(shard, db, key, deadline);
  Entry* e = Entry::Create(key, value_len, deadline >= 0, reserve);
  e->set_encoding(enc);
  e->set_access(engine_.InitialAccess());
  InsertEntry(engine_, shard, shard.dbs[db], e, hash, deadline);
  return e;
}

Entry* KeyAccess::ResizeValue(int db, Entry* e, size_t new_len, size_t reserve) {
  Mutated(db, e->key());
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  DbSlice& slice = shard.dbs[db];
  KeyTable::Slot* slot = slice.table.Find(e->key(), hash);
  int64_t before = static_cast<int64_t>(e->AllocatedBytes());
  Entry* n = ResizeEntry(slice, slot, e, new_len, e->has_expire(), reserve);
  if (n != e && n->has_expire()) slice.expires.Relocate(n);
  ChargeEntry(engine_, shard, n, static_cast<int64_t>(n->AllocatedBytes()) - before);
  return n;
}

Entry* KeyAccess::SetDeadline(int db, Entry* e, int64_t deadline) {
  Mutated(db, e->key());
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  DbSlice& slice = shard.dbs[db];
  if (e->has_expire() && deadline >= 0) {
    slice.expires.Update(e, deadline);
    return e;
  }
  if (!e->has_expire() && deadline < 0) return e;
  KeyTable::Slot* slot = slice.table.Find(e->key(), hash);
  int64_t entry_before = static_cast<int64_t>(e->AllocatedBytes());
  int64_t index_before = SliceIndexBytes(slice);
  if (e->has_expire()) slice.expires.Remove(e);
  Entry* n = ResizeEntry(slice, slot, e, e->value_len(), deadline >= 0);
  if (deadline >= 0) slice.expires.Push(n, deadline);
  ChargeEntry(engine_, shard, n, static_cast<int64_t>(n->AllocatedBytes()) - entry_before,
              SliceIndexBytes(slice) - index_before);
  return n;
}

Entry* KeyAccess::CreateContainer(int db, std::string_view key, std::unique_ptr<Container> c,
                                  int64_t deadline) {
  Mutated(db, key);
  engine_.events().Notify(kNotifyNew, "new", db, key);
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  deadline = WithNamespaceDefault(shard, db, key, deadline);
  Entry* e = Entry::CreateWithContainer(key, c.release(), deadline >= 0);
  e->set_access(engine_.InitialAccess());
  InsertEntry(engine_, shard, shard.dbs[db], e, hash, deadline);
  return e;
}

void KeyAccess::ValueChanged(int db, Entry* e) { Mutated(db, e->key()); }

bool KeyAccess::ContainerChanged(int db, Entry* e, int64_t bytes_before) {
  Mutated(db, e->key());
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  // Charge first: DeleteEntry subtracts the container's current size.
  ChargeEntry(engine_, shard, e,
              static_cast<int64_t>(e->container()->MemoryBytes()) - bytes_before);
  if (e->container()->Size() == 0) {
    DeleteEntry(db, e);
    return false;
  }
  return true;
}

bool KeyAccess::Delete(int db, std::string_view key) {
  Entry* e = Find(db, key, false);
  engine_.leases().Touch(db, key);  // even a missing (or just expired) key's lease goes
  if (e == nullptr) return false;
  Mutated(db, key);
  uint64_t hash;
  Shard& shard = ShardFor(key, &hash);
  DbSlice& slice = shard.dbs[db];
  RemoveSlot(engine_, shard, slice, slice.table.Find(key, hash));
  return true;
}

void KeyAccess::DeleteEntry(int db, Entry* e) {
  Mutated(db, e->key());
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  DbSlice& slice = shard.dbs[db];
  RemoveSlot(engine_, shard, slice, slice.table.Find(e->key(), hash));
}

Entry* KeyAccess::CopyEntry(int src_db, const Entry* src, int dst_db, std::string_view dst_key,
                            int64_t deadline) {
  Mutated(dst_db, dst_key);
  engine_.events().Notify(kNotifyNew, "new", dst_db, dst_key);
  uint64_t hash;
  Shard& shard = ShardFor(dst_key, &hash);
  Entry* e;
  if (src->type() == ValueType::kString) {
    e = Entry::CreateWith(dst_key, src->value(), deadline >= 0);
    e->set_encoding(src->encoding());
  } else {
    e = Entry::CreateWithContainer(dst_key, src->container()->Clone().release(), deadline >= 0);
  }
  e->set_access(engine_.InitialAccess());
  DbSlice& dst_slice = shard.dbs[dst_db];
  InsertEntry(engine_, shard, dst_slice, e, hash, deadline);
  if (src->tagged()) {
    // The copy is invalidated with the original: it carries the same data.
    uint64_t src_hash;
    const std::vector<std::string>* tags =
        ShardFor(src->key(), &src_hash).dbs[src_db].tags.TagsOf(src->key());
    if (tags != nullptr) {
      std::vector<std::string> copy = *tags;  // dst may share the index with src
      for (const std::string& tag : copy) TagEntry(engine_, shard, dst_slice, e, tag);
    }
  }
  return e;
}

bool KeyAccess::AddTag(int db, Entry* e, std::string_view tag) {
  Mutated(db, e->key());
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  return TagEntry(engine_, shard, shard.dbs[db], e, tag);
}

const std::vector<std::string>* KeyAccess::TagsOf(int db, const Entry* e) {
  if (!e->tagged()) return nullptr;
  uint64_t hash;
  return ShardFor(e->key(), &hash).dbs[db].tags.TagsOf(e->key());
}

}  // namespace cachet
