// StaleStore: one shard's expired entries that may still be served stale (docs/leases.md).
// When a key of a namespace with a stale window expires, its entry is moved here (not copied)
// with the time until which CACHE.FETCH may serve it; plain Redis commands never see it. The
// store owns its entries: whatever is taken out must be freed (or accounted) by the caller, and
// the destructor frees what is left.
//
// Thread-safety: none; owned by one shard and used under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/entry.h"

namespace cachet {

class StaleStore {
 public:
  struct Copy {
    Entry* entry = nullptr;
    int64_t stale_until_ms = 0;
  };

  StaleStore() = default;
  ~StaleStore();
  StaleStore(const StaleStore&) = delete;
  StaleStore& operator=(const StaleStore&) = delete;

  bool empty() const { return copies_.empty(); }
  size_t size() const { return copies_.size(); }

  // Stores e for (db, e->key()) until stale_until_ms. Returns the copy it replaced, or nullptr.
  Entry* Put(int db, Entry* e, int64_t stale_until_ms);
  // The copy of (db, key), or nullptr.
  const Copy* Find(int db, std::string_view key) const;
  // Removes the copy of (db, key) and returns its entry (nullptr when there was none).
  Entry* Take(int db, std::string_view key);
  // Removes the copies whose window ended by now (stale_until <= now) into *out.
  void TakeDue(int64_t now, std::vector<Entry*>* out);
  // Removes the copy whose window ends first (nullptr when empty).
  Entry* TakeOldest();
  // Calls fn(key) for each copy of db.
  template <typename F>
  void ForEachKey(int db, F&& fn) const {
    std::string prefix = Slot(db, "");
    for (const auto& [slot, copy] : copies_)
      if (slot.compare(0, prefix.size(), prefix) == 0) fn(copy.entry->key());
  }
  // Removes every copy (db < 0) or those of db, into *out.
  void TakeDb(int db, std::vector<Entry*>* out);

 private:
  static std::string Slot(int db, std::string_view key);
  Entry* TakeSlot(const std::string& slot);

  std::unordered_map<std::string, Copy> copies_;
  std::set<std::pair<int64_t, std::string>> by_end_;  // (stale_until, slot)
};

}  // namespace cachet
