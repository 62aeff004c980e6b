// Listpack: a compact sequence of byte strings in one buffer, each stored as
// [varint length][bytes]. Small hashes, sets and sorted sets live in one of these (as Redis's
// listpack encoding does): a few bytes of overhead per element instead of a node per element.
// Operations are linear; containers convert to a full structure past a size limit.
// The object is 24 bytes (pointer, 32-bit length, capacity and count) and the buffer is sized
// to what the allocator really hands out, so a small hash or sorted set pays little beyond its
// bytes. A listpack holds at most 4 GiB - 1 bytes and elements.
//
// Thread-safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cachet {

class Listpack {
 public:
  Listpack() = default;
  Listpack(const Listpack& other);
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(const Listpack& other);
  Listpack& operator=(Listpack&& other) noexcept;
  ~Listpack();

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t MemoryBytes() const { return cap_; }

  // Element at byte offset; *next receives the offset of the following element.
  std::string_view At(size_t offset, size_t* next) const;
  size_t begin() const { return 0; }
  size_t end() const { return size_; }

  void PushBack(std::string_view s);
  void PushFront(std::string_view s) { Insert(0, s); }
  // Inserts s before the element at offset (or at the end when offset == end()).
  void Insert(size_t offset, std::string_view s);
  // Removes n elements starting at offset.
  void Erase(size_t offset, size_t n);
  // Replaces the element at offset with s.
  void Replace(size_t offset, std::string_view s);
  void Clear();
  // Releases spare capacity (a list seals its full nodes with this).
  void ShrinkToFit();

  // Calls f(string_view) for each element in order; stops early when f returns false.
  template <typename F>
  void ForEach(F&& f) const {
    size_t pos = 0;
    while (pos < size_) {
      size_t next;
      std::string_view s = At(pos, &next);
      if (!f(s)) return;
      pos = next;
    }
  }

 private:
  static size_t EncodedSize(size_t len);
  static void Encode(std::string_view s, char* out);
  // Makes room for n bytes in total (exact size while small, then growing by half).
  void Reserve(size_t n);
  void Swap(Listpack& other) noexcept;
  // True when s points into this listpack's buffer.
  bool Aliases(std::string_view s) const;
  // Reallocates the buffer to hold n bytes (n > 0); cap_ becomes the usable size.
  void Reallocate(size_t n);

  char* data_ = nullptr;
  uint32_t size_ = 0;   // bytes used
  uint32_t cap_ = 0;    // bytes allocated (the allocator's usable size)
  uint32_t count_ = 0;  // elements
};

static_assert(sizeof(Listpack) == 24, "Listpack is meant to stay small");

}  // namespace cachet
