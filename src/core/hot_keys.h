// HotKeys: the N hottest keys seen in one pass over a keyspace, for the warm file (docs/
// warming.md). Offer() every key with its hotness score; the selection keeps a min-heap of at
// most N candidates, so memory is bounded by N keys whatever the keyspace size, and a key that
// is colder than the coldest kept one costs a comparison and no copy. Ties keep the key seen
// first.
//
// Thread-safety: none; one selection per pass, owned by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet {

class HotKeys {
 public:
  struct Candidate {
    uint64_t score;
    std::string key;
  };

  explicit HotKeys(size_t capacity) : capacity_(capacity) {}

  // Considers key with score (higher is hotter).
  void Offer(uint64_t score, std::string_view key);
  size_t size() const { return heap_.size(); }
  // The kept keys, hottest first (equal scores in key order). Empties the selection.
  std::vector<Candidate> TakeHottestFirst();

 private:
  size_t capacity_;
  std::vector<Candidate> heap_;  // min-heap on score: heap_[0] is the coldest kept
};

}  // namespace cachet
