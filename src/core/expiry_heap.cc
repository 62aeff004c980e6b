// Binary min-heap with back-pointers stored in the entries.
#include "core/expiry_heap.h"

namespace cachet {

void ExpiryHeap::Push(Entry* e, int64_t deadline_ms) {
  items_.push_back({deadline_ms, e});
  e->set_heap_index(static_cast<uint32_t>(items_.size() - 1));
  SiftUp(items_.size() - 1);
}

void ExpiryHeap::Update(Entry* e, int64_t deadline_ms) {
  size_t i = e->heap_index();
  int64_t old = items_[i].deadline_ms;
  items_[i].deadline_ms = deadline_ms;
  if (deadline_ms < old) {
    SiftUp(i);
  } else {
    SiftDown(i);
  }
}

void ExpiryHeap::Remove(Entry* e) {
  size_t i = e->heap_index();
  Item last = items_.back();
  items_.pop_back();
  if (items_.empty()) {
    Clear();  // an empty index holds no memory
    return;
  }
  if (i == items_.size()) return;
  Place(i, last);
  SiftUp(i);
  SiftDown(e == last.entry ? i : last.entry->heap_index());
  if (items_.capacity() > 64 && items_.size() * 4 < items_.capacity()) items_.shrink_to_fit();
}

void ExpiryHeap::SiftUp(size_t i) {
  Item item = items_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (items_[parent].deadline_ms <= item.deadline_ms) break;
    Place(i, items_[parent]);
    i = parent;
  }
  Place(i, item);
}

void ExpiryHeap::SiftDown(size_t i) {
  Item item = items_[i];
  size_t n = items_.size();
  while (true) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && items_[child + 1].deadline_ms < items_[child].deadline_ms) ++child;
    if (items_[child].deadline_ms >= item.deadline_ms) break;
    Place(i, items_[child]);
    i = child;
  }
  Place(i, item);
}

}  // namespace cachet
