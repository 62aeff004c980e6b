// SessionIdTable: linear probing over a power-of-two slot array, at most 3/4 full.
#include "core/session_id_table.h"

#include <functional>

namespace cachet {
namespace {

constexpr size_t kMinSlots = 16;

}  // namespace

size_t SessionIdTable::SlotOf(std::string_view id) const {
  // Ids from SessionStore are random, but RESTORE and tests store any string: hash all bytes.
  return std::hash<std::string_view>()(id) & (slots_.size() - 1);
}

Session* SessionIdTable::Find(std::string_view id) const {
  if (size_ == 0) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = SlotOf(id);; i = (i + 1) & mask) {
    Session* s = slots_[i];
    if (s == nullptr) return nullptr;
    if (s->id() == id) return s;
  }
}

void SessionIdTable::Insert(Session* s) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
  size_t mask = slots_.size() - 1;
  size_t i = SlotOf(s->id());
  while (slots_[i] != nullptr) i = (i + 1) & mask;
  slots_[i] = s;
  ++size_;
}

void SessionIdTable::Erase(const Session* s) {
  size_t mask = slots_.size() - 1;
  size_t hole = SlotOf(s->id());
  while (slots_[hole] != s) hole = (hole + 1) & mask;
  // Backward-shift deletion: move later members of the probe run into the hole when their
  // home slot is not after it (cyclically), so no tombstones are needed.
  for (size_t next = (hole + 1) & mask; slots_[next] != nullptr; next = (next + 1) & mask) {
    size_t home = SlotOf(slots_[next]->id());
    bool home_in_gap = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (home_in_gap) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = nullptr;
  --size_;
}

void SessionIdTable::Clear() {
  std::vector<Session*>().swap(slots_);
  size_ = 0;
}

void SessionIdTable::Grow() {
  std::vector<Session*> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? kMinSlots : old.size() * 2, nullptr);
  size_t mask = slots_.size() - 1;
  for (Session* s : old) {
    if (s == nullptr) continue;
    size_t i = SlotOf(s->id());
    while (slots_[i] != nullptr) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace cachet
