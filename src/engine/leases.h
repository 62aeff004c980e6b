// LeaseManager: the engine side of stampede protection (docs/leases.md). It grants, checks and
// consumes the per-key leases of CACHE.FETCH / CACHE.FILL, keeps XFetch's recompute times,
// moves expired keys of namespaces with a stale window into the shard's stale store, and keeps
// all of that consistent with the keyspace: any write to a key voids its lease and drops its
// stale copy (Touch, from KeyAccess; OnRemoved, from RemoveSlot), flushes clear it, the active
// expiry cycle purges due stale copies and expired leases, and eviction takes stale copies
// before any live key. It also knows which client holds which lease, so a disconnecting holder
// releases them at once. Nothing here is persisted.
//
// Thread-safety: all methods are thread-safe under the stated REQUIRES (the key's shard lock,
// or LockAll). Lock order: shard locks, then the holders mutex (a leaf).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/key_table.h"
#include "core/lease_table.h"
#include "engine/shard.h"

namespace cachet {

class Engine;

struct LeaseStats {
  uint64_t granted = 0;          // leases handed out (MISS, STALE or REFRESH with a token)
  uint64_t filled = 0;           // CACHE.FILL accepted
  uint64_t fill_refused = 0;     // CACHE.FILL with an unknown, expired, voided or used token
  uint64_t voided = 0;           // leases ended by a write, delete or flush of their key
  uint64_t expired = 0;          // leases that ran out before a fill
  uint64_t released = 0;         // leases dropped because their holder disconnected
  uint64_t waits = 0;            // CACHE.FETCH calls that parked
  uint64_t wait_timeouts = 0;    // parked calls that got TIMEOUT
  uint64_t stale_served = 0;     // STALE replies
  uint64_t early_refreshes = 0;  // REFRESH replies (XFetch)
  uint64_t locked = 0;           // LOCKED replies
  // Gauges.
  uint64_t leases = 0;
  uint64_t stale_keys = 0;
  int64_t stale_bytes = 0;
};

class LeaseManager {
 public:
  using HeldKey = std::pair<int, std::string>;
  enum Counter {
    kGranted,
    kFilled,
    kFillRefused,
    kVoided,
    kExpired,
    kReleased,
    kWaits,
    kWaitTimeouts,
    kStaleServed,
    kEarlyRefreshes,
    kLocked,
    kCounters
  };

  explicit LeaseManager(Engine* engine) : engine_(engine) {}

  // --- Keyspace hooks (one call each from the engine).
  // A write to key: voids its lease, drops its stale copy and recompute time.
  // REQUIRES: the key's shard lock. One relaxed load when no lease state exists anywhere.
  void Touch(int db, std::string_view key) {
    if (entries_.load(std::memory_order_relaxed) > 0) TouchSlow(db, key);
  }
  // e is being removed from slice (RemoveSlot): a delete, overwrite or eviction voids its lease
  // like a write; an expiry (shard.leases.expiring) does not. REQUIRES: shard.mu.
  void OnRemoved(Shard& shard, DbSlice& slice, const Entry* e);
  // Moves the expired entry in slot to the stale store when its namespace has a stale window
  // that has not ended by now. False (nothing done) otherwise. REQUIRES: shard.mu.
  bool StashExpired(Shard& shard, DbSlice& slice, int db, KeyTable::Slot* slot, int64_t now);
  // Active expiry: frees due stale copies and forgets expired leases. REQUIRES: shard.mu.
  void Expire(Shard& shard, int64_t now);
  // Frees one stale copy (the one whose window ends first, from the next shard holding any).
  // False when there is none. Takes the shard lock itself.
  bool EvictStale();
  // Drops all lease state of db (db < 0: every database), waking the waiters of voided leases.
  // REQUIRES: LockAll.
  void FlushDb(int db);

  // The keys of db in shard that have a lease or a stale copy and satisfy match, so that an
  // invalidation by pattern voids and drops them as it deletes live keys. REQUIRES: shard.mu.
  template <typename Match>
  std::vector<std::string> KeysWithState(const Shard& shard, int db, Match&& match) const {
    std::vector<std::string> out;
    auto take = [&](std::string_view key) {
      if (match(key)) out.emplace_back(key);
    };
    shard.leases.table.ForEachKey(db, take);
    shard.leases.stale.ForEachKey(db, take);
    return out;
  }

  // --- Leases. REQUIRES: the key's shard lock.
  // The unexpired lease on key, or nullptr (an expired one is forgotten on the way).
  const Lease* Current(Shard& shard, int db, std::string_view key, int64_t now);
  // Grants a lease on key to holder for lease_ms and returns its token.
  std::string Grant(Shard& shard, int db, std::string_view key, uint64_t holder, int64_t now,
                    int64_t lease_ms);
  // Ends the lease on key if token is its token and it has not expired; *granted_ms gets its
  // grant time. False otherwise (nothing changes).
  bool Consume(Shard& shard, int db, std::string_view key, std::string_view token, int64_t now,
               int64_t* granted_ms);
  // Drops the lease on key if holder holds it. REQUIRES: the key's shard lock.
  bool Release(Shard& shard, int db, std::string_view key, uint64_t holder);
  // The stale copy of key whose window has not ended, or nullptr (a due one is freed).
  const Entry* StaleCopy(Shard& shard, int db, std::string_view key, int64_t now);
  // Recompute time of key's value (-1: unknown) and recording it after a fill.
  int64_t Delta(Shard& shard, int db, std::string_view key);
  void SetDelta(Shard& shard, int db, std::string_view key, int64_t delta_ms);

  // The keys whose leases client holds (or held), forgotten here. Any thread.
  std::vector<HeldKey> TakeHeld(uint64_t client);

  void Count(Counter c) { counters_[c].fetch_add(1, std::memory_order_relaxed); }
  LeaseStats Stats() const;
  void ResetStats();

 private:
  void TouchSlow(int db, std::string_view key);
  // Voids the lease on key (if any) and drops its stale copy and delta. REQUIRES: shard.mu.
  void Forget(Shard& shard, int db, std::string_view key, bool count_void);
  void FreeStale(Shard& shard, Entry* e);
  void AddHolder(uint64_t client, int db, std::string_view key);
  // A lease taken out of a table: the gauge and its holder's list forget it.
  void Dropped(const Lease& lease);
  void RemoveHolder(uint64_t client, int db, std::string_view key);
  // Keeps entries_ equal to the lease state summed over shards, around a change of shard's.
  static size_t Size(const Shard& shard);
  void Adjust(size_t before, const Shard& shard);

  Engine* engine_;
  std::atomic<int64_t> entries_{0};  // leases + deltas + stale copies, all shards
  std::atomic<int64_t> stale_keys_{0};
  std::atomic<int64_t> stale_bytes_{0};
  std::atomic<int64_t> leases_{0};
  std::atomic<uint32_t> evict_cursor_{0};
  std::atomic<uint64_t> counters_[kCounters] = {};
  std::mutex holders_mu_;
  std::unordered_map<uint64_t, std::vector<HeldKey>> holders_;
};

// INFO leases fields, in order: (name, value).
std::vector<std::pair<std::string, int64_t>> LeaseStatFields(const LeaseStats& s);

// Removes an expired key's entry (lazy or active expiry): into the stale store when its
// namespace has a stale window, else as RemoveSlot does. Not a write: leases stay.
// REQUIRES: shard.mu.
void RemoveExpired(Engine& engine, Shard& shard, DbSlice& slice, int db, KeyTable::Slot* slot,
                   int64_t now);

}  // namespace cachet
