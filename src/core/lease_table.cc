// Leases and recompute times of one shard.
#include "core/lease_table.h"

#include <algorithm>
#include <cmath>

namespace cachet {

std::string LeaseTable::Slot(int db, std::string_view key) {
  std::string s;
  s.reserve(key.size() + 4);
  uint32_t d = static_cast<uint32_t>(db);
  s.append(reinterpret_cast<const char*>(&d), sizeof(d));
  s.append(key);
  return s;
}

const Lease* LeaseTable::Find(int db, std::string_view key) const {
  if (leases_.empty()) return nullptr;
  auto it = leases_.find(Slot(db, key));
  return it == leases_.end() ? nullptr : &it->second;
}

void LeaseTable::Put(Lease lease, uint64_t* replaced) {
  earliest_expiry_ = std::min(earliest_expiry_, lease.expires_ms);
  std::string slot = Slot(lease.db, lease.key);
  auto [it, inserted] = leases_.try_emplace(std::move(slot));
  if (replaced != nullptr) *replaced = inserted ? 0 : it->second.holder;
  it->second = std::move(lease);
}

bool LeaseTable::Remove(int db, std::string_view key, Lease* out) {
  if (leases_.empty()) return false;
  auto it = leases_.find(Slot(db, key));
  if (it == leases_.end()) return false;
  if (out != nullptr) *out = std::move(it->second);
  leases_.erase(it);
  if (leases_.empty()) earliest_expiry_ = INT64_MAX;
  return true;
}

void LeaseTable::RemoveExpired(int64_t now, std::vector<Lease>* out) {
  if (now < earliest_expiry_) return;
  int64_t earliest = INT64_MAX;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.expires_ms <= now) {
      out->push_back(std::move(it->second));
      it = leases_.erase(it);
    } else {
      earliest = std::min(earliest, it->second.expires_ms);
      ++it;
    }
  }
  earliest_expiry_ = earliest;
}

void LeaseTable::RemoveDb(int db, std::vector<Lease>* out) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (db < 0 || it->second.db == db) {
      out->push_back(std::move(it->second));
      it = leases_.erase(it);
    } else {
      ++it;
    }
  }
  if (leases_.empty()) earliest_expiry_ = INT64_MAX;
  if (db < 0) {
    deltas_.clear();
    return;
  }
  std::string prefix = Slot(db, "");
  for (auto it = deltas_.begin(); it != deltas_.end();) {
    it = it->first.compare(0, prefix.size(), prefix) == 0 ? deltas_.erase(it) : std::next(it);
  }
}

int64_t LeaseTable::Delta(int db, std::string_view key) const {
  if (deltas_.empty()) return -1;
  auto it = deltas_.find(Slot(db, key));
  return it == deltas_.end() ? -1 : it->second;
}

void LeaseTable::SetDelta(int db, std::string_view key, int64_t delta_ms) {
  std::string slot = Slot(db, key);
  if (deltas_.size() >= kMaxDeltas && deltas_.find(slot) == deltas_.end()) {
    deltas_.erase(deltas_.begin());
  }
  deltas_[std::move(slot)] = std::max<int64_t>(0, delta_ms);
}

bool LeaseTable::ForgetDelta(int db, std::string_view key) {
  if (deltas_.empty()) return false;
  return deltas_.erase(Slot(db, key)) > 0;
}

bool XFetchShouldRefresh(int64_t now, int64_t deadline, int64_t delta_ms, double beta, double r) {
  if (delta_ms <= 0 || beta <= 0 || r <= 0 || r > 1) return false;
  double gap = -static_cast<double>(delta_ms) * beta * std::log(r);  // >= 0
  return static_cast<double>(now) + gap >= static_cast<double>(deadline);
}

}  // namespace cachet
