// KeyTable: the keyspace hash table of one shard and database. Open addressing with Robin Hood
// linear probing and backward-shift deletion; each slot is one 64-bit word packing the Entry
// pointer (48 bits), an 8-bit hash tag (skips most key comparisons without touching the entry)
// and the probe distance. Homes are computed by multiply-shift from the top 48 hash bits, so the
// table is kept sorted by hash position at any capacity (capacities need not be powers of two and
// grow by 1.5x, which keeps memory per key low).
//
// Because slots stay sorted by hash position, a SCAN cursor is a 48-bit hash position: every
// entry with a smaller position has been returned. That survives growth, shrinking and deletion,
// which gives SCAN's guarantee (an element present for the whole iteration is returned).
//
// Thread-safety: none; owned by one shard and used under its lock. Slot pointers are valid until
// the next Insert or Erase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/entry.h"

namespace cachet {

class KeyTable {
 public:
  using Slot = uint64_t;

  KeyTable() = default;
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  KeyTable(KeyTable&& other) noexcept;
  KeyTable& operator=(KeyTable&& other) noexcept;

  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  // Bytes held by the slot array.
  size_t MemoryBytes() const { return total_ * sizeof(Slot); }

  // The slot holding key, or nullptr.
  Slot* Find(std::string_view key, uint64_t hash);
  // Adds e, whose key must not be present. hash must be HashKey(e->key()).
  void Insert(Entry* e, uint64_t hash);
  // Removes the entry in slot (the entry itself is not freed).
  void Erase(Slot* slot);

  static Entry* EntryAt(const Slot* slot) { return Unpack(*slot); }
  // Points slot at a reallocated copy of its entry (same key).
  static void Replace(Slot* slot, Entry* e) {
    *slot = (*slot & ~kPointerMask) | reinterpret_cast<uint64_t>(e);
  }

  // Calls f(Entry*) for every entry.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < total_; ++i)
      if (slots_[i] != 0) f(Unpack(slots_[i]));
  }

  // Calls emit(Entry*) for roughly `count` entries at hash positions >= cursor (a 48-bit
  // position). Returns the cursor to continue from, or 0 when the table is exhausted.
  template <typename F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& emit) const;

  // Some entry, chosen from rnd (nullptr when empty). Not exactly uniform.
  Entry* Random(uint64_t rnd) const;

  // Removes every entry, calling f(Entry*) for each, and releases the slot array.
  template <typename F>
  void Clear(F&& f) {
    ForEach(f);
    Reset();
  }

  static constexpr uint64_t kPositionBits = 48;
  static uint64_t PositionOf(uint64_t hash) { return hash >> 16; }

 private:
  static constexpr uint64_t kPointerMask = (uint64_t{1} << 48) - 1;
  static constexpr uint32_t kMaxDistance = 254;
  static constexpr size_t kMinCapacity = 8;

  static Entry* Unpack(Slot s) { return reinterpret_cast<Entry*>(s & kPointerMask); }
  static uint32_t DistanceOf(Slot s) { return static_cast<uint32_t>(s >> 56) - 1; }
  static uint8_t TagOf(uint64_t hash) { return static_cast<uint8_t>(hash >> 8); }
  static Slot WithDistance(Slot s, uint32_t dist) {
    return (s & ~(uint64_t{0xff} << 56)) | (static_cast<uint64_t>(dist + 1) << 56);
  }
  static Slot Pack(Entry* e, uint8_t tag) {
    return reinterpret_cast<uint64_t>(e) | (static_cast<uint64_t>(tag) << 48) | (uint64_t{1} << 56);
  }

  size_t HomeOf(uint64_t hash) const { return HomeOfPosition(PositionOf(hash)); }
  size_t HomeOfPosition(uint64_t position) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(position) * cap_) >> 48);
  }
  // The smallest hash position whose home is at or after `home`.
  uint64_t FirstPositionOfHome(size_t home) const {
    return static_cast<uint64_t>(((static_cast<unsigned __int128>(home) << 48) + cap_ - 1) / cap_);
  }
  bool TryPlace(Slot* carried, size_t home);
  void Rehash(size_t new_capacity);
  void Reset();

  Slot* slots_ = nullptr;
  size_t cap_ = 0;    // home slots
  size_t total_ = 0;  // home slots plus the overflow tail (no wrap-around)
  size_t size_ = 0;
};

template <typename F>
uint64_t KeyTable::Scan(uint64_t cursor, size_t count, F&& emit) const {
  if (cap_ == 0) return 0;
  size_t start = HomeOfPosition(cursor);
  size_t emitted = 0;
  size_t visited = 0;
  for (size_t i = start; i < total_; ++i) {
    Slot s = slots_[i];
    ++visited;
    if (s == 0) {
      if (emitted >= count || visited >= count * 10) {
        size_t next_home = i + 1;
        return next_home >= cap_ ? 0 : FirstPositionOfHome(next_home);
      }
      continue;
    }
    size_t home = i - DistanceOf(s);
    if (home < start) continue;
    emit(Unpack(s));
    ++emitted;
    bool group_ends =
        i + 1 >= total_ || slots_[i + 1] == 0 || (i + 1 - DistanceOf(slots_[i + 1])) != home;
    if (group_ends && (emitted >= count || visited >= count * 10)) {
      return home + 1 >= cap_ ? 0 : FirstPositionOfHome(home + 1);
    }
  }
  return 0;
}

}  // namespace cachet
