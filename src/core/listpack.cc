// Listpack element encoding, editing and buffer management.
#include "core/listpack.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace cachet {
namespace {

constexpr size_t kMaxBytes = 0xffffffffu;
// Up to this size a buffer grows to exactly what it needs (realloc stays in place within an
// allocator size class); past it, by half again, so appends stay amortized O(1).
constexpr size_t kExactGrowthLimit = 512;

}  // namespace

Listpack::Listpack(const Listpack& other) : count_(other.count_) {
  if (other.size_ == 0) return;
  Reallocate(other.size_);
  memcpy(data_, other.data_, other.size_);
  size_ = other.size_;
}

Listpack::Listpack(Listpack&& other) noexcept { Swap(other); }

Listpack& Listpack::operator=(const Listpack& other) {
  Listpack copy(other);
  Swap(copy);
  return *this;
}

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  Listpack moved(std::move(other));  // other ends empty; our old buffer is freed with moved
  Swap(moved);
  return *this;
}

void Listpack::Swap(Listpack& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  std::swap(cap_, other.cap_);
  std::swap(count_, other.count_);
}

Listpack::~Listpack() { free(data_); }

void Listpack::Reallocate(size_t n) {
  if (n > kMaxBytes) {
    fprintf(stderr, "listpack: %zu bytes is over the 4 GiB limit\n", n);
    abort();
  }
  void* p = realloc(data_, n);
  if (p == nullptr) abort();
  data_ = static_cast<char*>(p);
  size_t usable = malloc_usable_size(p);
  cap_ = static_cast<uint32_t>(usable < kMaxBytes ? usable : kMaxBytes);
}

void Listpack::Reserve(size_t n) {
  if (n <= cap_) return;
  size_t grown = cap_ + cap_ / 2;
  Reallocate(n <= kExactGrowthLimit || grown < n ? n : grown);
}

void Listpack::Clear() {
  free(data_);
  data_ = nullptr;
  size_ = cap_ = count_ = 0;
}

void Listpack::ShrinkToFit() {
  if (size_ == 0) {
    free(data_);
    data_ = nullptr;
    cap_ = 0;
  } else if (size_ < cap_) {
    Reallocate(size_);
  }
}

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
    uint8_t b = static_cast<uint8_t>(data_[pos++]);
    len |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *next = pos + len;
  return std::string_view(data_ + pos, len);
}

void Listpack::PushBack(std::string_view s) { Insert(size_, s); }

bool Listpack::Aliases(std::string_view s) const {
  return data_ != nullptr && s.data() >= data_ && s.data() < data_ + cap_;
}

void Listpack::Insert(size_t offset, std::string_view s) {
  if (Aliases(s)) {
    Insert(offset, std::string(s));  // s would move when the buffer grows
    return;
  }
  size_t n = EncodedSize(s.size());
  Reserve(size_ + n);
  memmove(data_ + offset + n, data_ + offset, size_ - offset);
  Encode(s, data_ + offset);
  size_ += static_cast<uint32_t>(n);
  ++count_;
}

void Listpack::Erase(size_t offset, size_t n) {
  size_t end = offset;
  for (size_t i = 0; i < n && end < size_; ++i) At(end, &end);
  memmove(data_ + offset, data_ + end, size_ - end);
  size_ -= static_cast<uint32_t>(end - offset);
  count_ -= static_cast<uint32_t>(n);
  if (cap_ > 64 && size_t{size_} * 2 < cap_) ShrinkToFit();
}

void Listpack::Replace(size_t offset, std::string_view s) {
  if (Aliases(s)) {
    Replace(offset, std::string(s));
    return;
  }
  size_t next;
  At(offset, &next);
  size_t old_size = next - offset;
  size_t new_size = EncodedSize(s.size());
  if (new_size > old_size) Reserve(size_ + new_size - old_size);
  if (new_size != old_size) {
    memmove(data_ + offset + new_size, data_ + next, size_ - next);
    size_ = static_cast<uint32_t>(size_ - old_size + new_size);
  }
  Encode(s, data_ + offset);
}

}  // namespace cachet
