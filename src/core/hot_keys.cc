// Bounded top-N selection of hot keys.
#include "core/hot_keys.h"

#include <algorithm>

namespace cachet {
namespace {

// Orders the heap so that the coldest candidate is on top.
bool Hotter(const HotKeys::Candidate& a, const HotKeys::Candidate& b) { return a.score > b.score; }

}  // namespace

void HotKeys::Offer(uint64_t score, std::string_view key) {
  if (capacity_ == 0) return;
  if (heap_.size() < capacity_) {
    heap_.push_back({score, std::string(key)});
    std::push_heap(heap_.begin(), heap_.end(), Hotter);
    return;
  }
  if (score <= heap_.front().score) return;
  std::pop_heap(heap_.begin(), heap_.end(), Hotter);
  heap_.back().score = score;
  heap_.back().key.assign(key);
  std::push_heap(heap_.begin(), heap_.end(), Hotter);
}

std::vector<HotKeys::Candidate> HotKeys::TakeHottestFirst() {
  std::vector<Candidate> out = std::move(heap_);
  heap_.clear();
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  });
  return out;
}

}  // namespace cachet
