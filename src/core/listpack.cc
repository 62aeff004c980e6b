// Listpack element encoding and editing.
#include "core/listpack.h"

#include <cstring>

namespace cachet {

size_t Listpack::EncodedSize(size_t len) {
  size_t header = 1;
  for (size_t v = len; v >= 0x80; v >>= 7) ++header;
  return header + len;
}

void Listpack::Encode(std::string_view s, char* out) {
  size_t v = s.size();
  while (v >= 0x80) {
    *out++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  if (!s.empty()) memcpy(out, s.data(), s.size());
}

std::string_view Listpack::At(size_t offset, size_t* next) const {
  size_t len = 0;
  int shift = 0;
  size_t pos = offset;
  while (true) {
    uint8_t b = static_cast<uint8_t>(buf_[pos++]);
    len |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *next = pos + len;
  return std::string_view(buf_.data() + pos, len);
}

void Listpack::PushBack(std::string_view s) { Insert(buf_.size(), s); }

void Listpack::Insert(size_t offset, std::string_view s) {
  size_t n = EncodedSize(s.size());
  buf_.insert(offset, n, '\0');
  Encode(s, buf_.data() + offset);
  ++count_;
}

void Listpack::Erase(size_t offset, size_t n) {
  size_t end = offset;
  for (size_t i = 0; i < n && end < buf_.size(); ++i) At(end, &end);
  buf_.erase(offset, end - offset);
  count_ -= n;
  if (buf_.capacity() > 64 && buf_.size() * 2 < buf_.capacity()) buf_.shrink_to_fit();
}

void Listpack::Replace(size_t offset, std::string_view s) {
  size_t next;
  std::string_view old = At(offset, &next);
  size_t old_size = next - offset;
  size_t new_size = EncodedSize(s.size());
  if (old_size == new_size && old.size() == s.size()) {
    Encode(s, buf_.data() + offset);
    return;
  }
  std::string encoded(new_size, '\0');
  Encode(s, encoded.data());
  buf_.replace(offset, old_size, encoded);
}

}  // namespace cachet
