// KeyTable: the keyspace hash table of one shard and database. Open addressing with Robin Hood
// linear probing and backward-shift deletion; each slot is one 64-bit word packing the Entry
// pointer (48 bits), an 8-bit hash tag (skips most key comparisons without touching the entry)
// and the probe distance. Homes are computed by multiply-shift from the top 48 hash bits, so the
// table is kept sorted by hash position at any capacity (capacities need not be powers of two and
// grow by 1.5x, which keeps memory per key low).
//
// Because slots stay sorted by hash position, a SCAN cursor stands for a 48-bit hash position P:
// every entry with a position below P has been returned. That survives growth, shrinking and
// deletion, which gives SCAN's guarantee (an element present for the whole iteration is
// returned). P is rounded down to a multiple of 2^(48-b), with 2^b the capacity rounded up to a
// power of two (rounding down only repeats entries), and the cursor is P's 48 bits reversed, as
// Redis reverses its bucket index: cursors stay below about twice the capacity, whatever the
// capacity was when they were issued.
//
// Thread-safety: none; owned by one shard and used under its lock. Slot pointers are valid until
// the next Insert or Erase.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/hash.h"
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

  // Calls emit(Entry*) for roughly `count` entries at hash positions >= the cursor's position.
  // Returns the cursor to continue from, or 0 when the table is exhausted (also for cursors
  // of 2^48 and above, which no scan returns).
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
  // Cursor <-> position: the low 48 bits reversed (an involution).
  static uint64_t ReverseBits48(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v) >> 16;
  }

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
  // The cursor after a call that started at `position` and returned every entry of the homes
  // before next_home (above_emitted: one past the highest position returned from home
  // next_home - 1, 0 if none): the position in range with the most trailing zero bits, so the
  // reversed cursor is small. False when no such cursor moves forward yet (scan on).
  bool NextCursor(uint64_t position, size_t next_home, uint64_t above_emitted,
                  uint64_t* cursor) const;
  void Rehash(size_t new_capacity);
  void Reset();

  Slot* slots_ = nullptr;
  size_t cap_ = 0;    // home slots
  size_t total_ = 0;  // home slots plus the overflow tail (no wrap-around)
  size_t size_ = 0;
};

template <typename F>
uint64_t KeyTable::Scan(uint64_t cursor, size_t count, F&& emit) const {
  if (cap_ == 0 || (cursor >> kPositionBits) != 0) return 0;
  const uint64_t position = ReverseBits48(cursor);
  size_t start = HomeOfPosition(position);
  // Entries of the start home below `position` were returned by the previous call.
  const bool filter_start = position > FirstPositionOfHome(start);
  size_t emitted = 0;
  size_t visited = 0;
  uint64_t next;
  for (size_t i = start; i < total_; ++i) {
    Slot s = slots_[i];
    ++visited;
    if (s == 0) {
      if ((emitted >= count || visited >= count * 10) && NextCursor(position, i + 1, 0, &next)) {
        return next;
      }
      continue;
    }
    size_t home = i - DistanceOf(s);
    if (home < start) continue;
    Entry* e = Unpack(s);
    uint64_t pos = 0;
    if (home == start && filter_start) {
      pos = PositionOf(HashKey(e->key()));
      if (pos < position) continue;
    }
    emit(e);
    ++emitted;
    bool group_ends =
        i + 1 >= total_ || slots_[i + 1] == 0 || (i + 1 - DistanceOf(slots_[i + 1])) != home;
    if (!group_ends || (emitted < count && visited < count * 10)) continue;
    // Stopping after this home: the next cursor must lie above its entries' positions.
    uint64_t last_home_max = 0;
    for (size_t j = i + 1; j-- > home;) {
      if (slots_[j] == 0 || j - DistanceOf(slots_[j]) != home) break;
      last_home_max = std::max(last_home_max, PositionOf(HashKey(Unpack(slots_[j])->key())) + 1);
    }
    if (NextCursor(position, home + 1, last_home_max, &next)) return next;
  }
  return 0;
}

}  // namespace cachet
