// Allocation and field access for the compact Entry layout.
#include "core/entry.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/container.h"

namespace cachet {
namespace {

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
void Store32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

void* Allocate(size_t size) {
  void* p = malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

size_t Entry::LayoutSize(size_t key_len, size_t value_len, bool has_expire, bool wide_value) {
  return kHeaderSize + (has_expire ? 4 : 0) + (key_len > 255 ? 4 : 1) + (wide_value ? 4 : 1) +
         key_len + value_len;
}

Entry* Entry::Create(std::string_view key, size_t value_len, bool has_expire, size_t reserve) {
  size_t capacity = value_len + reserve;
  bool wide_value = capacity > 255;
  size_t size = LayoutSize(key.size(), capacity, has_expire, wide_value);
  auto* e = static_cast<Entry*>(Allocate(size));
  e->bytes_[4] = 0;
  e->bytes_[5] = (has_expire ? kHasExpire : 0) | (key.size() > 255 ? kWideKey : 0) |
                 (wide_value ? kWideValue : 0);
  Store32(e->bytes_, 0);
  if (has_expire) Store32(e->bytes_ + kHeaderSize, 0);
  if (key.size() > 255) {
    Store32(e->bytes_ + e->key_len_offset(), static_cast<uint32_t>(key.size()));
  } else {
    e->bytes_[e->key_len_offset()] = static_cast<uint8_t>(key.size());
  }
  e->set_value_len(value_len);
  memcpy(e->bytes_ + e->key_offset(), key.data(), key.size());
  return e;
}

Entry* Entry::CreateWith(std::string_view key, std::string_view value, bool has_expire) {
  Entry* e = Create(key, value.size(), has_expire);
  if (!value.empty()) memcpy(e->mutable_value(), value.data(), value.size());
  return e;
}

Entry* Entry::CreateWithContainer(std::string_view key, Container* c, bool has_expire) {
  Entry* e = Create(key, sizeof(Container*), has_expire);
  memcpy(e->mutable_value(), &c, sizeof(c));
  e->set_type(c->type());
  return e;
}

void Entry::Destroy(Entry* e) {
  if (e->type() != ValueType::kString) delete e->container();
  free(e);
}

Container* Entry::container() const {
  Container* c;
  memcpy(&c, value().data(), sizeof(c));
  return c;
}

size_t Entry::TotalBytes() const {
  return AllocatedBytes() + (type() == ValueType::kString ? 0 : container()->MemoryBytes());
}

bool Entry::ResizesInPlace(size_t new_value_len, bool has_expire) const {
  bool same_layout =
      has_expire == this->has_expire() && ((bytes_[5] & kWideValue) != 0 || new_value_len <= 255);
  return same_layout && new_value_len <= value_capacity();
}

Entry* Entry::Resize(Entry* e, size_t new_value_len, bool has_expire, size_t reserve) {
  if (e->ResizesInPlace(new_value_len, has_expire)) {
    e->set_value_len(new_value_len);
    return e;
  }
  std::string_view key = e->key();
  Entry* n = Create(key, new_value_len, has_expire, reserve);
  memcpy(n->bytes_, e->bytes_, 5);  // access and meta
  n->set_tagged(e->tagged());
  if (has_expire && e->has_expire()) n->set_heap_index(e->heap_index());
  memcpy(n->mutable_value(), e->value().data(), std::min(new_value_len, e->value_len()));
  free(e);  // the new entry took over the value, including an aggregate it points to
  return n;
}

std::string_view Entry::value() const {
  return std::string_view(reinterpret_cast<const char*>(bytes_ + key_offset() + key_len()),
                          value_len());
}

char* Entry::mutable_value() { return reinterpret_cast<char*>(bytes_ + key_offset() + key_len()); }

size_t Entry::value_len() const {
  return (bytes_[5] & kWideValue) ? Load32(bytes_ + value_len_offset())
                                  : bytes_[value_len_offset()];
}

void Entry::set_value_len(size_t len) {
  if (bytes_[5] & kWideValue) {
    Store32(bytes_ + value_len_offset(), static_cast<uint32_t>(len));
  } else {
    bytes_[value_len_offset()] = static_cast<uint8_t>(len);
  }
}

size_t Entry::value_capacity() const {
  size_t cap = AllocatedBytes() - key_offset() - key_len();
  if (!(bytes_[5] & kWideValue)) cap = std::min<size_t>(cap, 255);
  return cap;
}

uint32_t Entry::heap_index() const { return Load32(bytes_ + kHeaderSize); }
void Entry::set_heap_index(uint32_t index) { Store32(bytes_ + kHeaderSize, index); }
uint32_t Entry::access() const { return Load32(bytes_); }
void Entry::set_access(uint32_t v) { Store32(bytes_, v); }

size_t Entry::AllocatedBytes() const { return malloc_usable_size(const_cast<uint8_t*>(bytes_)); }

}  // namespace cachet
