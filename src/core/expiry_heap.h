// ExpiryHeap: the ordered expiry index of one shard and database. A binary min-heap of
// (deadline, entry); each entry stores its own heap position, so updating or removing a TTL is
// O(log n) and finding the next key to expire is O(1). 16 bytes per key with a TTL.
//
// Thread-safety: none; owned by one shard and used under its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/entry.h"

namespace cachet {

class ExpiryHeap {
 public:
  struct Item {
    int64_t deadline_ms;
    Entry* entry;
  };

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t MemoryBytes() const { return items_.capacity() * sizeof(Item); }

  // REQUIRES: e->has_expire() and e is not in the heap.
  void Push(Entry* e, int64_t deadline_ms);
  // REQUIRES: e is in the heap.
  void Update(Entry* e, int64_t deadline_ms);
  void Remove(Entry* e);
  int64_t DeadlineOf(const Entry* e) const { return items_[e->heap_index()].deadline_ms; }
  // After an entry was reallocated: point its heap item at the new address.
  void Relocate(Entry* e) { items_[e->heap_index()].entry = e; }

  const Item& Top() const { return items_.front(); }
  const Item& At(size_t i) const { return items_[i]; }
  void Clear() { std::vector<Item>().swap(items_); }

 private:
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void Place(size_t i, const Item& item) {
    items_[i] = item;
    item.entry->set_heap_index(static_cast<uint32_t>(i));
  }

  std::vector<Item> items_;
};

}  // namespace cachet
