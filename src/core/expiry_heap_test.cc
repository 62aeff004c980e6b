// Tests for ExpiryHeap ordering and back-pointers.
#include "core/expiry_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace cachet {

TEST(ExpiryHeapTest, PopsInDeadlineOrderWithUpdatesAndRemovals) {
  std::mt19937 rng(3);
  ExpiryHeap heap;
  std::vector<Entry*> entries;
  std::vector<int64_t> deadline;
  for (int i = 0; i < 500; ++i) {
    entries.push_back(Entry::CreateWith("k" + std::to_string(i), "", true));
    deadline.push_back(rng() % 100000);
    heap.Push(entries.back(), deadline.back());
  }
  for (int i = 0; i < 500; i += 3) {
    deadline[i] = rng() % 100000;
    heap.Update(entries[i], deadline[i]);
  }
  std::vector<bool> removed(500, false);
  for (int i = 1; i < 500; i += 7) {
    heap.Remove(entries[i]);
    removed[i] = true;
  }
  for (int i = 0; i < 500; ++i) {
    if (!removed[i]) {
      EXPECT_EQ(heap.DeadlineOf(entries[i]), deadline[i]);
    }
  }
  int64_t last = -1;
  while (!heap.empty()) {
    const auto& top = heap.Top();
    EXPECT_GE(top.deadline_ms, last);
    last = top.deadline_ms;
    heap.Remove(top.entry);
  }
  for (Entry* e : entries) Entry::Destroy(e);
}

}  // namespace cachet
