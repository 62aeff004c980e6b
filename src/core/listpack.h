// Listpack: a compact sequence of byte strings in one buffer, each stored as
// [varint length][bytes]. Small hashes, sets and sorted sets live in one of these (as Redis's
// listpack encoding does): a few bytes of overhead per element instead of a node per element.
// Operations are linear; containers convert to a full structure past a size limit.
//
// Thread-safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

class Listpack {
 public:
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t MemoryBytes() const { return buf_.capacity(); }

  // Element at byte offset; *next receives the offset of the following element.
  std::string_view At(size_t offset, size_t* next) const;
  size_t begin() const { return 0; }
  size_t end() const { return buf_.size(); }

  void PushBack(std::string_view s);
  void PushFront(std::string_view s) { Insert(0, s); }
  // Inserts s before the element at offset (or at the end when offset == end()).
  void Insert(size_t offset, std::string_view s);
  // Removes n elements starting at offset.
  void Erase(size_t offset, size_t n);
  // Replaces the element at offset with s.
  void Replace(size_t offset, std::string_view s);
  void Clear() {
    std::string().swap(buf_);
    count_ = 0;
  }
  // Releases spare capacity (a list seals its full nodes with this).
  void ShrinkToFit() { buf_.shrink_to_fit(); }

  // Calls f(string_view) for each element in order; stops early when f returns false.
  template <typename F>
  void ForEach(F&& f) const {
    size_t pos = 0;
    while (pos < buf_.size()) {
      size_t next;
      std::string_view s = At(pos, &next);
      if (!f(s)) return;
      pos = next;
    }
  }

 private:
  static size_t EncodedSize(size_t len);
  static void Encode(std::string_view s, char* out);

  std::string buf_;
  size_t count_ = 0;
};

}  // namespace cachet
