// KeyOrderIndex: insertion, removal, relocation and the memory estimate.
#include "core/key_order_index.h"

namespace cachet {

KeyOrderIndex::Mode KeyOrderIndex::mode_ = KeyOrderIndex::Mode::kNamespaces;

void KeyOrderIndex::Insert(Entry* e) { set_.insert(e); }

void KeyOrderIndex::Erase(const Entry* e) {
  if (!set_.empty()) set_.erase(e->key());
}

KeyOrderIndex::Position KeyOrderIndex::PositionOf(std::string_view key) {
  Position p;
  if (set_.empty()) return p;
  p.it_ = set_.find(key);
  p.valid_ = p.it_ != set_.end();
  return p;
}

void KeyOrderIndex::Relocate(Position position, Entry* moved) {
  if (!position.valid_) return;
  // The slot holds a plain pointer whose order (the key) is unchanged, so overwriting it in
  // place keeps the tree ordered.
  const_cast<Entry*&>(*position.it_) = moved;
}

size_t KeyOrderIndex::MemoryBytes() const {
  if (set_.empty()) return 0;
  // Leaf nodes of 256 bytes hold up to 30 pointers and run about 70% full after random
  // inserts; inner nodes add about 1/20 of that.
  constexpr size_t kNodeBytes = 256;
  constexpr size_t kKeysPerNode = 21;
  size_t leaves = set_.size() / kKeysPerNode + 1;
  return (leaves + leaves / 20 + 1) * kNodeBytes;
}

}  // namespace cachet
