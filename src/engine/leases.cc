// Leases, recompute times and stale copies, kept in step with the keyspace.
#include "engine/leases.h"

#include <algorithm>

#include "base/hash.h"
#include "base/secure_random.h"
#include "engine/engine.h"
#include "engine/slice_ops.h"
#include "engine/value_compression.h"

namespace cachet {
namespace {

std::string NewToken() {
  unsigned char bytes[16];
  SecureRandomBytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (size_t i = 0; i < sizeof(bytes); ++i) {
    token[2 * i] = kHex[bytes[i] >> 4];
    token[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return token;
}

}  // namespace

size_t LeaseManager::Size(const Shard& shard) {
  return shard.leases.table.lease_count() + shard.leases.table.delta_count() +
         shard.leases.stale.size();
}

void LeaseManager::Adjust(size_t before, const Shard& shard) {
  int64_t delta = static_cast<int64_t>(Size(shard)) - static_cast<int64_t>(before);
  if (delta != 0) entries_.fetch_add(delta, std::memory_order_relaxed);
}

void LeaseManager::FreeStale(Shard& shard, Entry* e) {
  stale_keys_.fetch_sub(1, std::memory_order_relaxed);
  stale_bytes_.fetch_sub(static_cast<int64_t>(e->TotalBytes()), std::memory_order_relaxed);
  DestroyEntry(*engine_, shard, e);
}

void LeaseManager::AddHolder(uint64_t client, int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(holders_mu_);
  holders_[client].emplace_back(db, std::string(key));
}

void LeaseManager::Dropped(const Lease& lease) {
  leases_.fetch_sub(1, std::memory_order_relaxed);
  RemoveHolder(lease.holder, lease.db, lease.key);
}

void LeaseManager::RemoveHolder(uint64_t client, int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(holders_mu_);
  auto it = holders_.find(client);
  if (it == holders_.end()) return;
  std::vector<HeldKey>& held = it->second;
  auto pos = std::find_if(held.begin(), held.end(),
                          [&](const HeldKey& h) { return h.first == db && h.second == key; });
  if (pos != held.end()) held.erase(pos);
  if (held.empty()) holders_.erase(it);
}

std::vector<LeaseManager::HeldKey> LeaseManager::TakeHeld(uint64_t client) {
  std::lock_guard<std::mutex> lock(holders_mu_);
  auto it = holders_.find(client);
  if (it == holders_.end()) return {};
  std::vector<HeldKey> held = std::move(it->second);
  holders_.erase(it);
  return held;
}

void LeaseManager::Forget(Shard& shard, int db, std::string_view key, bool count_void) {
  size_t before = Size(shard);
  Lease lease;
  if (shard.leases.table.Remove(db, key, &lease)) {
    Dropped(lease);
    if (count_void) Count(kVoided);
    engine_->ready_keys().Touch(db, key);  // its waiters: one of them gets a new lease
  }
  if (Entry* e = shard.leases.stale.Take(db, key)) FreeStale(shard, e);
  shard.leases.table.ForgetDelta(db, key);
  Adjust(before, shard);
}

void LeaseManager::TouchSlow(int db, std::string_view key) {
  Shard& shard = engine_->shard(Engine::ShardIndex(HashKey(key)));
  if (shard.leases.empty()) return;
  Forget(shard, db, key, true);
}

void LeaseManager::OnRemoved(Shard& shard, DbSlice& slice, const Entry* e) {
  if (shard.leases.expiring) return;
  int db = static_cast<int>(&slice - shard.dbs.data());
  Forget(shard, db, e->key(), true);
}

bool LeaseManager::StashExpired(Shard& shard, DbSlice& slice, int db, KeyTable::Slot* slot,
                                int64_t now) {
  if (shard.ns.index == nullptr) return false;
  Entry* e = KeyTable::EntryAt(slot);
  const NamespaceSpec* ns = shard.ns.index->Match(e->key());
  if (ns == nullptr || ns->stale_ms <= 0 || !e->has_expire()) return false;
  if (e->type() != ValueType::kString) return false;  // CACHE.FETCH serves strings only
  // A tagged key is not kept stale: its copy would escape the invalidation of its tags.
  if (e->tagged()) return false;
  int64_t until = slice.expires.DeadlineOf(e) + ns->stale_ms;
  if (until <= now) return false;
  size_t before = Size(shard);
  int64_t index_before = SliceIndexBytes(slice);
  int64_t bytes = static_cast<int64_t>(e->TotalBytes());
  slice.expires.Remove(e);
  slice.table.Erase(slot);
  slice.order.Erase(e);
  NoteCompression(shard, e, -1);                       // a stale copy is no live compressed value
  if (NamespaceCounters* c = shard.ns.Of(e->key())) {  // no longer a live key of its namespace
    --c->keys;
    c->memory -= bytes;
  }
  Charge(*engine_, shard, SliceIndexBytes(slice) - index_before);  // the entry stays charged
  if (Entry* old = shard.leases.stale.Put(db, e, until)) FreeStale(shard, old);
  stale_keys_.fetch_add(1, std::memory_order_relaxed);
  stale_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  Adjust(before, shard);
  return true;
}

void LeaseManager::Expire(Shard& shard, int64_t now) {
  if (shard.leases.empty()) return;
  size_t before = Size(shard);
  std::vector<Entry*> due;
  shard.leases.stale.TakeDue(now, &due);
  for (Entry* e : due) FreeStale(shard, e);
  std::vector<Lease> gone;
  shard.leases.table.RemoveExpired(now, &gone);
  for (const Lease& l : gone) {
    Dropped(l);
    Count(kExpired);
  }
  Adjust(before, shard);
}

bool LeaseManager::EvictStale() {
  if (stale_keys_.load(std::memory_order_relaxed) <= 0) return false;
  for (int n = 0; n < Engine::kShards; ++n) {
    Shard& shard = engine_->shard(evict_cursor_.fetch_add(1) % Engine::kShards);
    std::lock_guard<ShardMutex> lock(shard.mu);
    if (shard.leases.stale.empty()) continue;
    size_t before = Size(shard);
    FreeStale(shard, shard.leases.stale.TakeOldest());
    Adjust(before, shard);
    return true;
  }
  return false;
}

void LeaseManager::FlushDb(int db) {
  if (entries_.load(std::memory_order_relaxed) == 0) return;
  for (int i = 0; i < Engine::kShards; ++i) {
    Shard& shard = engine_->shard(i);
    if (shard.leases.empty()) continue;
    size_t before = Size(shard);
    std::vector<Lease> gone;
    shard.leases.table.RemoveDb(db, &gone);
    for (const Lease& l : gone) {
      Dropped(l);
      Count(kVoided);
      engine_->ready_keys().Touch(l.db, l.key);  // its waiters: one of them gets a new lease
    }
    std::vector<Entry*> copies;
    shard.leases.stale.TakeDb(db, &copies);
    for (Entry* e : copies) FreeStale(shard, e);
    Adjust(before, shard);
  }
}

const Lease* LeaseManager::Current(Shard& shard, int db, std::string_view key, int64_t now) {
  const Lease* lease = shard.leases.table.Find(db, key);
  if (lease == nullptr || lease->expires_ms > now) return lease;
  size_t before = Size(shard);
  Lease gone;
  shard.leases.table.Remove(db, key, &gone);
  Dropped(gone);
  Count(kExpired);
  Adjust(before, shard);
  return nullptr;
}

std::string LeaseManager::Grant(Shard& shard, int db, std::string_view key, uint64_t holder,
                                int64_t now, int64_t lease_ms) {
  size_t before = Size(shard);
  Lease lease;
  lease.db = db;
  lease.key = std::string(key);
  lease.token = NewToken();
  lease.holder = holder;
  lease.granted_ms = now;
  lease.expires_ms = now + lease_ms;
  lease.tag_seq = engine_->tag_invalidations().sequence();
  std::string token = lease.token;
  Lease old;
  if (shard.leases.table.Remove(db, key, &old)) {
    Dropped(old);
  }
  shard.leases.table.Put(std::move(lease));
  leases_.fetch_add(1, std::memory_order_relaxed);
  AddHolder(holder, db, key);
  Count(kGranted);
  Adjust(before, shard);
  return token;
}

bool LeaseManager::Consume(Shard& shard, int db, std::string_view key, std::string_view token,
                           int64_t now, int64_t* granted_ms) {
  const Lease* lease = shard.leases.table.Find(db, key);
  if (lease == nullptr || lease->token != token || lease->expires_ms <= now) {
    Count(kFillRefused);
    return false;
  }
  size_t before = Size(shard);
  Lease used;
  shard.leases.table.Remove(db, key, &used);
  Dropped(used);
  *granted_ms = used.granted_ms;
  Count(kFilled);
  Adjust(before, shard);
  return true;
}

bool LeaseManager::Release(Shard& shard, int db, std::string_view key, uint64_t holder) {
  const Lease* lease = shard.leases.table.Find(db, key);
  if (lease == nullptr || lease->holder != holder) return false;
  size_t before = Size(shard);
  shard.leases.table.Remove(db, key);
  leases_.fetch_sub(1, std::memory_order_relaxed);
  Count(kReleased);
  Adjust(before, shard);
  return true;
}

const Entry* LeaseManager::StaleCopy(Shard& shard, int db, std::string_view key, int64_t now) {
  const StaleStore::Copy* copy = shard.leases.stale.Find(db, key);
  if (copy == nullptr) return nullptr;
  if (copy->stale_until_ms > now) return copy->entry;
  size_t before = Size(shard);
  FreeStale(shard, shard.leases.stale.Take(db, key));
  Adjust(before, shard);
  return nullptr;
}

int64_t LeaseManager::Delta(Shard& shard, int db, std::string_view key) {
  return shard.leases.table.Delta(db, key);
}

void LeaseManager::SetDelta(Shard& shard, int db, std::string_view key, int64_t delta_ms) {
  size_t before = Size(shard);
  shard.leases.table.SetDelta(db, key, delta_ms);
  Adjust(before, shard);
}

LeaseStats LeaseManager::Stats() const {
  LeaseStats s;
  auto get = [&](Counter c) { return counters_[c].load(std::memory_order_relaxed); };
  s.granted = get(kGranted);
  s.filled = get(kFilled);
  s.fill_refused = get(kFillRefused);
  s.voided = get(kVoided);
  s.expired = get(kExpired);
  s.released = get(kReleased);
  s.waits = get(kWaits);
  s.wait_timeouts = get(kWaitTimeouts);
  s.stale_served = get(kStaleServed);
  s.early_refreshes = get(kEarlyRefreshes);
  s.locked = get(kLocked);
  s.leases = static_cast<uint64_t>(std::max<int64_t>(0, leases_.load()));
  s.stale_keys = static_cast<uint64_t>(std::max<int64_t>(0, stale_keys_.load()));
  s.stale_bytes = stale_bytes_.load();
  return s;
}

void LeaseManager::ResetStats() {
  for (auto& c : counters_) c.store(0, std::memory_order_relaxed);
}

std::vector<std::pair<std::string, int64_t>> LeaseStatFields(const LeaseStats& s) {
  auto i = [](uint64_t v) { return static_cast<int64_t>(v); };
  return {{"leases_active", i(s.leases)},
          {"leases_granted", i(s.granted)},
          {"leases_filled", i(s.filled)},
          {"leases_fill_refused", i(s.fill_refused)},
          {"leases_voided", i(s.voided)},
          {"leases_expired", i(s.expired)},
          {"leases_released", i(s.released)},
          {"lease_waits", i(s.waits)},
          {"lease_wait_timeouts", i(s.wait_timeouts)},
          {"lease_locked_replies", i(s.locked)},
          {"stale_served", i(s.stale_served)},
          {"stale_keys", i(s.stale_keys)},
          {"stale_bytes", s.stale_bytes},
          {"early_refreshes", i(s.early_refreshes)}};
}

void RemoveExpired(Engine& engine, Shard& shard, DbSlice& slice, int db, KeyTable::Slot* slot,
                   int64_t now) {
  if (engine.leases().StashExpired(shard, slice, db, slot, now)) return;
  shard.leases.expiring = true;
  RemoveSlot(engine, shard, slice, slot);
  shard.leases.expiring = false;
}

}  // namespace cachet
