// Robin Hood table operations: find, insert, backward-shift erase, rehash.
#include "core/key_table.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "base/hash.h"

namespace cachet {
namespace {

size_t OverflowFor(size_t cap) { return std::min<size_t>(cap, 255); }

}  // namespace

KeyTable::~KeyTable() { Reset(); }

KeyTable::KeyTable(KeyTable&& other) noexcept
    : slots_(other.slots_), cap_(other.cap_), total_(other.total_), size_(other.size_) {
  other.slots_ = nullptr;
  other.cap_ = other.total_ = other.size_ = 0;
}

KeyTable& KeyTable::operator=(KeyTable&& other) noexcept {
  if (this != &other) {
    Reset();
    slots_ = other.slots_;
    cap_ = other.cap_;
    total_ = other.total_;
    size_ = other.size_;
    other.slots_ = nullptr;
    other.cap_ = other.total_ = other.size_ = 0;
  }
  return *this;
}

void KeyTable::Reset() {
  free(slots_);
  slots_ = nullptr;
  cap_ = total_ = size_ = 0;
}

KeyTable::Slot* KeyTable::Find(std::string_view key, uint64_t hash) {
  if (cap_ == 0) return nullptr;
  const uint8_t tag = TagOf(hash);
  uint32_t dist = 0;
  for (size_t i = HomeOf(hash); i < total_; ++i, ++dist) {
    Slot s = slots_[i];
    if (s == 0 || DistanceOf(s) < dist) return nullptr;
    if (static_cast<uint8_t>(s >> 48) == tag && Unpack(s)->key() == key) return &slots_[i];
  }
  return nullptr;
}

bool KeyTable::TryPlace(Slot* carried, size_t home) {
  uint32_t dist = 0;
  for (size_t i = home; i < total_ && dist <= kMaxDistance; ++i, ++dist) {
    Slot cur = slots_[i];
    if (cur == 0) {
      slots_[i] = WithDistance(*carried, dist);
      return true;
    }
    uint32_t cur_dist = DistanceOf(cur);
    if (cur_dist < dist) {  // Robin Hood: the richer incumbent moves on
      slots_[i] = WithDistance(*carried, dist);
      *carried = cur;
      dist = cur_dist;
    }
  }
  return false;
}

void KeyTable::Insert(Entry* e, uint64_t hash) {
  if (cap_ == 0 || (size_ + 1) * 10 > cap_ * 9) {
    Rehash(cap_ == 0 ? kMinCapacity : cap_ + cap_ / 2);
  }
  Slot carried = Pack(e, TagOf(hash));
  size_t home = HomeOf(hash);
  while (!TryPlace(&carried, home)) {
    Rehash(cap_ + cap_ / 2);
    home = HomeOf(HashKey(Unpack(carried)->key()));
  }
  ++size_;
}

void KeyTable::Erase(Slot* slot) {
  size_t i = static_cast<size_t>(slot - slots_);
  while (true) {
    size_t next = i + 1;
    if (next >= total_ || slots_[next] == 0 || DistanceOf(slots_[next]) == 0) {
      slots_[i] = 0;
      break;
    }
    slots_[i] = WithDistance(slots_[next], DistanceOf(slots_[next]) - 1);
    i = next;
  }
  --size_;
  if (size_ == 0) {
    Reset();
  } else if (cap_ > kMinCapacity && size_ * 10 < cap_) {
    Rehash(std::max(kMinCapacity, size_ * 2));
  }
}

void KeyTable::Rehash(size_t new_capacity) {
  while (true) {
    size_t new_total = new_capacity + OverflowFor(new_capacity);
    auto* fresh = static_cast<Slot*>(calloc(new_total, sizeof(Slot)));
    if (fresh == nullptr) throw std::bad_alloc();
    Slot* old = slots_;
    size_t old_total = total_;
    size_t old_cap = cap_;
    slots_ = fresh;
    cap_ = new_capacity;
    total_ = new_total;
    bool ok = true;
    for (size_t i = 0; i < old_total && ok; ++i) {
      if (old[i] == 0) continue;
      Slot carried = old[i];
      ok = TryPlace(&carried, HomeOf(HashKey(Unpack(carried)->key())));
    }
    if (ok) {
      free(old);
      return;
    }
    // Pathological clustering: retry from the old array with more room.
    free(fresh);
    slots_ = old;
    total_ = old_total;
    cap_ = old_cap;
    new_capacity += new_capacity / 2 + 1;
  }
}

bool KeyTable::NextCursor(uint64_t position, size_t next_home, uint64_t above_emitted,
                          uint64_t* cursor) const {
  if (next_home >= cap_) {
    *cursor = 0;
    return true;
  }
  const uint64_t hi = FirstPositionOfHome(next_home);
  const uint64_t lo = std::max({position + 1, FirstPositionOfHome(next_home - 1), above_emitted});
  // Cursors stay below 2^(b + 16) for a capacity of at most 2^b: the coarsest allowed rounding.
  const int bits = 64 - __builtin_clzll(static_cast<uint64_t>(cap_));
  const int finest = std::max(0, static_cast<int>(kPositionBits) - bits - 16);
  for (int k = static_cast<int>(kPositionBits) - 1; k >= finest; --k) {
    uint64_t q = hi & ~((uint64_t{1} << k) - 1);
    if (q >= lo && q > 0) {
      *cursor = ReverseBits48(q);
      return true;
    }
  }
  // Entries sit too close to the home's end: round down to the finest grain (which may return
  // a few entries again), as long as that moves forward.
  uint64_t q = hi & ~((uint64_t{1} << finest) - 1);
  if (q <= position) return false;
  *cursor = ReverseBits48(q);
  return true;
}

Entry* KeyTable::Random(uint64_t rnd) const {
  if (size_ == 0) return nullptr;
  size_t start = rnd % total_;
  for (size_t n = 0; n < total_; ++n) {
    size_t i = start + n;
    if (i >= total_) i -= total_;
    if (slots_[i] != 0) return Unpack(slots_[i]);
  }
  return nullptr;
}

}  // namespace cachet
