// LeaseTable: one shard's stampede-protection leases (docs/leases.md). A lease says "client H
// is loading (db, key); fill it with token T before time E". At most one lease exists per
// (db, key). Beside the leases the table keeps, per key, the recompute time measured from the
// last lease grant to its fill (XFetch's delta), bounded in number.
// XFetchShouldRefresh is the early-refresh rule of Vattani et al., "Optimal Probabilistic Cache
// Stampede Prevention" (VLDB 2015).
//
// Thread-safety: none; owned by one shard and used under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cachet {

struct Lease {
  int db = 0;
  std::string key;
  std::string token;
  uint64_t holder = 0;     // client id
  int64_t granted_ms = 0;  // engine clock
  int64_t expires_ms = 0;  // engine clock; the lease is void from then on
  uint64_t tag_seq = 0;    // tag invalidations before the grant (RecentTagInvalidations)
};

class LeaseTable {
 public:
  // Deltas kept per shard at most; beyond, an arbitrary one is forgotten.
  static constexpr size_t kMaxDeltas = 4096;

  bool empty() const { return leases_.empty() && deltas_.empty(); }
  size_t lease_count() const { return leases_.size(); }
  size_t delta_count() const { return deltas_.size(); }

  // The lease on (db, key), expired or not, or nullptr.
  const Lease* Find(int db, std::string_view key) const;
  // Installs lease, replacing any lease on its key (*replaced gets the old one's holder, or 0).
  void Put(Lease lease, uint64_t* replaced = nullptr);
  // Removes the lease on (db, key) into *out (if not null). False when there was none.
  bool Remove(int db, std::string_view key, Lease* out = nullptr);
  // Removes every lease with expires_ms <= now into *out. Cheap when none can have expired.
  void RemoveExpired(int64_t now, std::vector<Lease>* out);
  // Removes every lease (db < 0) or those of db, into *out; forgets those deltas too.
  void RemoveDb(int db, std::vector<Lease>* out);

  // Recompute time of key's current value in ms, or -1 when not measured.
  int64_t Delta(int db, std::string_view key) const;
  void SetDelta(int db, std::string_view key, int64_t delta_ms);
  bool ForgetDelta(int db, std::string_view key);

  // Calls fn(key) for each lease of db (expired or not).
  template <typename F>
  void ForEachKey(int db, F&& fn) const {
    for (const auto& [slot, lease] : leases_)
      if (lease.db == db) fn(std::string_view(lease.key));
  }
  // The map key of (db, key).
  static std::string Slot(int db, std::string_view key);

 private:
  std::unordered_map<std::string, Lease> leases_;
  std::unordered_map<std::string, int64_t> deltas_;
  int64_t earliest_expiry_ = INT64_MAX;  // no lease expires before this
};

// XFetch: whether a reader at now should recompute a value expiring at deadline early, given
// its recompute time delta_ms, the namespace's beta and a uniform random r in (0, 1]:
// now - delta * beta * ln(r) >= deadline.
bool XFetchShouldRefresh(int64_t now, int64_t deadline, int64_t delta_ms, double beta, double r);

}  // namespace cachet
