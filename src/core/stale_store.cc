// Expired entries kept for stale serving.
#include "core/stale_store.h"

#include "core/lease_table.h"

namespace cachet {

StaleStore::~StaleStore() {
  for (auto& [slot, copy] : copies_) Entry::Destroy(copy.entry);
}

std::string StaleStore::Slot(int db, std::string_view key) { return LeaseTable::Slot(db, key); }

Entry* StaleStore::Put(int db, Entry* e, int64_t stale_until_ms) {
  std::string slot = Slot(db, e->key());
  Entry* old = TakeSlot(slot);
  by_end_.emplace(stale_until_ms, slot);
  copies_.emplace(std::move(slot), Copy{e, stale_until_ms});
  return old;
}

const StaleStore::Copy* StaleStore::Find(int db, std::string_view key) const {
  if (copies_.empty()) return nullptr;
  auto it = copies_.find(Slot(db, key));
  return it == copies_.end() ? nullptr : &it->second;
}

Entry* StaleStore::TakeSlot(const std::string& slot) {
  auto it = copies_.find(slot);
  if (it == copies_.end()) return nullptr;
  Entry* e = it->second.entry;
  by_end_.erase({it->second.stale_until_ms, slot});
  copies_.erase(it);
  return e;
}

Entry* StaleStore::Take(int db, std::string_view key) {
  if (copies_.empty()) return nullptr;
  return TakeSlot(Slot(db, key));
}

void StaleStore::TakeDue(int64_t now, std::vector<Entry*>* out) {
  while (!by_end_.empty() && by_end_.begin()->first <= now) {
    std::string slot = by_end_.begin()->second;
    out->push_back(TakeSlot(slot));
  }
}

Entry* StaleStore::TakeOldest() {
  if (by_end_.empty()) return nullptr;
  std::string slot = by_end_.begin()->second;
  return TakeSlot(slot);
}

void StaleStore::TakeDb(int db, std::vector<Entry*>* out) {
  std::string prefix = Slot(db, "");
  std::vector<std::string> slots;
  for (const auto& [slot, copy] : copies_) {
    if (db < 0 || slot.compare(0, prefix.size(), prefix) == 0) slots.push_back(slot);
  }
  for (const std::string& slot : slots) out->push_back(TakeSlot(slot));
}

}  // namespace cachet
