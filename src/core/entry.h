// Entry: one heap allocation per key holding its metadata, the key bytes and (for strings) the
// value bytes inline. This layout is what makes cachet lean per key: no separate key object, no
// value object, no per-entry pointer to a next node.
//
// Layout (unaligned, read with memcpy):
//   [access u32][meta u8: type | encoding << 4][flags u8]
//   [heap index u32, only with kHasExpire]
//   [key length u8 or u32][value length u8 or u32][key bytes][value bytes][spare capacity]
// The spare capacity (from the allocator's size class, or reserved on growth) lets APPEND and
// SETRANGE grow a value in place.
//
// Thread-safety: none; an Entry is owned by one shard and touched under that shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cachet {

enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };
// String encodings are stored in the entry; aggregate encodings are reported by the container.
enum class Encoding : uint8_t {
  kRaw = 0,
  kEmbStr = 1,
  kInt = 2,
  kListpack = 3,
  kQuicklist = 4,
  kIntset = 5,
  kHashtable = 6,
  kSkiplist = 7,
  kCompressed = 8,  // a string in the stored form of core/compressed_value.h
};

class Container;

class Entry {
 public:
  // Allocates an entry for key with room for value_len bytes (plus reserve spare bytes).
  static Entry* Create(std::string_view key, size_t value_len, bool has_expire, size_t reserve = 0);
  // Allocates an entry for key holding value.
  static Entry* CreateWith(std::string_view key, std::string_view value, bool has_expire);
  // Allocates an entry for key owning the aggregate value c (list, set, sorted set, hash).
  static Entry* CreateWithContainer(std::string_view key, Container* c, bool has_expire);
  // Frees the entry and the aggregate it owns.
  static void Destroy(Entry* e);
  // Returns an entry with the same key, metadata and value prefix but a new value length and
  // expire flag. May return e itself (resized in place) or a new allocation (e is then freed).
  static Entry* Resize(Entry* e, size_t new_value_len, bool has_expire, size_t reserve = 0);

  // Inline: every key lookup and sorted-set comparison reads it.
  std::string_view key() const {
    return std::string_view(reinterpret_cast<const char*>(bytes_ + key_offset()), key_len());
  }
  std::string_view value() const;
  char* mutable_value();
  size_t value_len() const;
  // Bytes the value may grow to without reallocating.
  size_t value_capacity() const;

  ValueType type() const { return static_cast<ValueType>(bytes_[4] & 0x0f); }
  Encoding encoding() const { return static_cast<Encoding>(bytes_[4] >> 4); }
  void set_type(ValueType t) { bytes_[4] = (bytes_[4] & 0xf0) | static_cast<uint8_t>(t); }
  void set_encoding(Encoding enc) {
    bytes_[4] = (bytes_[4] & 0x0f) | static_cast<uint8_t>(static_cast<uint8_t>(enc) << 4);
  }

  bool has_expire() const { return bytes_[5] & kHasExpire; }
  // Whether the slice's TagIndex lists this key (so removal paths look there only then).
  bool tagged() const { return bytes_[5] & kTagged; }
  void set_tagged(bool on) { bytes_[5] = on ? (bytes_[5] | kTagged) : (bytes_[5] & ~kTagged); }
  // Whether Resize(e, new_value_len, has_expire) keeps e at its address.
  bool ResizesInPlace(size_t new_value_len, bool has_expire) const;
  uint32_t heap_index() const;
  void set_heap_index(uint32_t index);

  // LRU clock (seconds) or LFU state ((minutes << 8) | counter), depending on policy.
  uint32_t access() const;
  void set_access(uint32_t v);

  // Bytes the allocator really gave this entry.
  size_t AllocatedBytes() const;
  // The aggregate value. REQUIRES: type() != kString.
  Container* container() const;
  // Entry plus aggregate memory.
  size_t TotalBytes() const;

 private:
  static constexpr uint8_t kHasExpire = 1;
  static constexpr uint8_t kWideKey = 2;
  static constexpr uint8_t kWideValue = 4;
  static constexpr uint8_t kTagged = 8;
  static constexpr size_t kHeaderSize = 6;

  Entry() = delete;
  size_t key_len_offset() const { return kHeaderSize + (has_expire() ? 4 : 0); }
  size_t value_len_offset() const { return key_len_offset() + ((bytes_[5] & kWideKey) ? 4 : 1); }
  size_t key_offset() const { return value_len_offset() + ((bytes_[5] & kWideValue) ? 4 : 1); }
  size_t key_len() const {
    if (!(bytes_[5] & kWideKey)) return bytes_[key_len_offset()];
    uint32_t len;
    memcpy(&len, bytes_ + key_len_offset(), sizeof(len));
    return len;
  }
  void set_value_len(size_t len);
  static size_t LayoutSize(size_t key_len, size_t value_len, bool has_expire, bool wide_value);

  uint8_t bytes_[1];
};

}  // namespace cachet
