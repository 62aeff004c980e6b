// SessionDeadlineHeap: sift operations that keep each session's heap_slot_ current.
#include "core/session_deadline_heap.h"

#include <utility>

namespace cachet {

void SessionDeadlineHeap::Place(size_t slot, Item item) {
  item.session->heap_slot_ = static_cast<uint32_t>(slot);
  items_[slot] = item;
}

void SessionDeadlineHeap::SiftUp(size_t slot) {
  Item item = items_[slot];
  while (slot > 0) {
    size_t parent = (slot - 1) / 2;
    if (items_[parent].key <= item.key) break;
    Place(slot, items_[parent]);
    slot = parent;
  }
  Place(slot, item);
}

void SessionDeadlineHeap::SiftDown(size_t slot) {
  Item item = items_[slot];
  size_t n = items_.size();
  while (true) {
    size_t child = 2 * slot + 1;
    if (child >= n) break;
    if (child + 1 < n && items_[child + 1].key < items_[child].key) ++child;
    if (item.key <= items_[child].key) break;
    Place(slot, items_[child]);
    slot = child;
  }
  Place(slot, item);
}

void SessionDeadlineHeap::Push(Session* s) {
  items_.push_back({s->ExpiresAt(), s});
  SiftUp(items_.size() - 1);
}

void SessionDeadlineHeap::Erase(Session* s) {
  size_t slot = s->heap_slot_;
  Item last = items_.back();
  items_.pop_back();
  if (slot == items_.size()) return;  // s was the last entry
  Place(slot, last);
  // The moved entry may belong above or below its new slot.
  SiftUp(slot);
  SiftDown(last.session->heap_slot_);
}

void SessionDeadlineHeap::DeadlineChanged(Session* s) {
  Item& item = items_[s->heap_slot_];
  int64_t deadline = s->ExpiresAt();
  if (deadline >= item.key) return;  // later: the key stays a valid lower bound
  item.key = deadline;
  SiftUp(s->heap_slot_);
}

Session* SessionDeadlineHeap::Top() {
  while (!items_.empty()) {
    Item& top = items_.front();
    int64_t deadline = top.session->ExpiresAt();
    if (deadline == top.key) return top.session;
    top.key = deadline;  // stale (the session was touched): re-key and let it sink
    SiftDown(0);
  }
  return nullptr;
}

void SessionDeadlineHeap::Clear() { std::vector<Item>().swap(items_); }

}  // namespace cachet
