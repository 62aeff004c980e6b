// HashValue: listpack and table encodings.
#include "core/hash_value.h"

#include <cstring>

#include "base/hash.h"
#include "core/varint.h"

namespace cachet {
HashValue::~HashValue() {
  if (table_) table_->Clear([](Entry* e) { Entry::Destroy(e); });
}

Encoding HashValue::encoding() const { return table_ ? Encoding::kHashtable : Encoding::kListpack; }

size_t HashValue::Size() const { return table_ ? table_->size() : lp_.size() / 2; }

size_t HashValue::MemoryBytes() const {
  return sizeof(*this) + lp_.MemoryBytes() + (table_ ? table_->MemoryBytes() + table_bytes_ : 0);
}

std::unique_ptr<Container> HashValue::Clone() const {
  auto copy = std::make_unique<HashValue>();
  copy->lp_ = lp_;
  if (table_) {
    copy->table_ = std::make_unique<KeyTable>();
    table_->ForEach([&](Entry* e) {
      Entry* c = Entry::CreateWith(e->key(), e->value(), false);
      copy->table_->Insert(c, HashKey(c->key()));
      copy->table_bytes_ += c->AllocatedBytes();
    });
  }
  return copy;
}

void HashValue::Serialize(std::string* out) const {
  PutVarint(out, Size());
  ForEach([&](std::string_view f, std::string_view v) {
    PutVarint(out, f.size());
    out->append(f);
    PutVarint(out, v.size());
    out->append(v);
  });
}

std::unique_ptr<HashValue> HashValue::Deserialize(std::string_view data,
                                                  const EncodingLimits& limits) {
  size_t pos = 0;
  uint64_t count;
  if (!GetVarint(data, &pos, &count) || count == 0 || count > data.size()) return nullptr;
  auto h = std::make_unique<HashValue>();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view f, v;
    if (!GetLengthPrefixed(data, &pos, &f) || !GetLengthPrefixed(data, &pos, &v)) return nullptr;
    if (!h->Set(f, v, limits)) return nullptr;  // duplicate field: damaged
  }
  if (pos != data.size()) return nullptr;
  return h;
}

std::optional<std::string_view> HashValue::Get(std::string_view field) const {
  if (table_) {
    KeyTable::Slot* slot = table_->Find(field, HashKey(field));
    if (slot == nullptr) return std::nullopt;
    return KeyTable::EntryAt(slot)->value();
  }
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t next;
    std::string_view f = lp_.At(pos, &next);
    std::string_view v = lp_.At(next, &pos);
    if (f == field) return v;
  }
  return std::nullopt;
}

bool HashValue::Set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
  if (!table_ && (field.size() > limits.hash_max_listpack_value ||
                  value.size() > limits.hash_max_listpack_value)) {
    ConvertToTable();
  }
  if (table_) {
    uint64_t hash = HashKey(field);
    KeyTable::Slot* slot = table_->Find(field, hash);
    if (slot != nullptr) {
      Entry* old = KeyTable::EntryAt(slot);
      Entry* e = Entry::CreateWith(field, value, false);
      table_bytes_ += e->AllocatedBytes() - old->AllocatedBytes();
      KeyTable::Replace(slot, e);
      Entry::Destroy(old);
      return false;
    }
    Entry* e = Entry::CreateWith(field, value, false);
    table_bytes_ += e->AllocatedBytes();
    table_->Insert(e, hash);
    return true;
  }
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t value_pos;
    std::string_view f = lp_.At(pos, &value_pos);
    size_t next;
    lp_.At(value_pos, &next);
    if (f == field) {
      lp_.Replace(value_pos, value);
      // Like Redis, an update also converts a listpack that the limit has since gone below.
      if (lp_.size() / 2 > limits.hash_max_listpack_entries) ConvertToTable();
      return false;
    }
    pos = next;
  }
  lp_.PushBack(field);
  lp_.PushBack(value);
  if (lp_.size() / 2 > limits.hash_max_listpack_entries) ConvertToTable();
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (table_) {
    KeyTable::Slot* slot = table_->Find(field, HashKey(field));
    if (slot == nullptr) return false;
    Entry* e = KeyTable::EntryAt(slot);
    table_->Erase(slot);
    table_bytes_ -= e->AllocatedBytes();
    Entry::Destroy(e);
    return true;
  }
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t next;
    std::string_view f = lp_.At(pos, &next);
    size_t after;
    lp_.At(next, &after);
    if (f == field) {
      lp_.Erase(pos, 2);
      return true;
    }
    pos = after;
  }
  return false;
}

std::pair<std::string_view, std::string_view> HashValue::PairAt(size_t i, uint64_t rnd) const {
  if (table_) {
    Entry* e = table_->Random(rnd);
    return {e->key(), e->value()};
  }
  size_t pos = lp_.begin();
  for (size_t k = 0; k < i * 2; ++k) lp_.At(pos, &pos);
  size_t next;
  std::string_view f = lp_.At(pos, &next);
  std::string_view v = lp_.At(next, &pos);
  return {f, v};
}

void HashValue::ConvertToTable() {
  table_ = std::make_unique<KeyTable>();
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t next;
    std::string_view f = lp_.At(pos, &next);
    std::string_view v = lp_.At(next, &pos);
    Entry* e = Entry::CreateWith(f, v, false);
    table_bytes_ += e->AllocatedBytes();
    table_->Insert(e, HashKey(f));
  }
  lp_.Clear();
}

}  // namespace cachet
