// SetValue: intset and hashtable encodings, conversion, snapshot format.
#include "core/set_value.h"

#include <algorithm>

#include "base/hash.h"
#include "core/varint.h"

namespace cachet {
SetValue::~SetValue() {
  if (table_) table_->Clear([](Entry* e) { Entry::Destroy(e); });
}

size_t SetValue::MemoryBytes() const {
  size_t bytes = sizeof(*this) + ints_.capacity() * sizeof(int64_t);
  if (table_) bytes += table_->MemoryBytes() + table_bytes_;
  return bytes;
}

std::unique_ptr<Container> SetValue::Clone() const {
  auto copy = std::make_unique<SetValue>();
  copy->ints_ = ints_;
  if (table_) {
    copy->table_ = std::make_unique<KeyTable>();
    table_->ForEach([&](Entry* e) {
      Entry* c = Entry::CreateWith(e->key(), {}, false);
      copy->table_->Insert(c, HashKey(c->key()));
      copy->table_bytes_ += c->AllocatedBytes();
    });
  }
  return copy;
}

void SetValue::Serialize(std::string* out) const {
  PutVarint(out, Size());
  ForEach([&](std::string_view m) {
    PutVarint(out, m.size());
    out->append(m);
  });
}

std::unique_ptr<SetValue> SetValue::Deserialize(std::string_view data,
                                                const EncodingLimits& limits) {
  size_t pos = 0;
  uint64_t count;
  if (!GetVarint(data, &pos, &count) || count == 0 || count > data.size()) return nullptr;
  auto set = std::make_unique<SetValue>();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(data, &pos, &len) || len > data.size() - pos) return nullptr;
    if (!set->Add(data.substr(pos, len), limits)) return nullptr;  // duplicate: damaged
    pos += len;
  }
  if (pos != data.size()) return nullptr;
  return set;
}

bool SetValue::Add(std::string_view member, const EncodingLimits& limits) {
  if (table_ == nullptr) {
    int64_t v;
    if (ParseInt64(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      if (ints_.size() > limits.set_max_intset_entries) ConvertToTable();
      return true;
    }
    ConvertToTable();  // a non-integer member: the set is a hashtable from now on
  }
  uint64_t hash = HashKey(member);
  if (table_->Find(member, hash) != nullptr) return false;
  Entry* e = Entry::CreateWith(member, {}, false);
  table_bytes_ += e->AllocatedBytes();
  table_->Insert(e, hash);
  return true;
}

bool SetValue::Remove(std::string_view member) {
  if (table_ == nullptr) {
    int64_t v;
    if (!ParseInt64(member, &v)) return false;
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it == ints_.end() || *it != v) return false;
    ints_.erase(it);
    if (ints_.empty()) std::vector<int64_t>().swap(ints_);
    return true;
  }
  KeyTable::Slot* slot = table_->Find(member, HashKey(member));
  if (slot == nullptr) return false;
  Entry* e = KeyTable::EntryAt(slot);
  table_->Erase(slot);
  table_bytes_ -= e->AllocatedBytes();
  Entry::Destroy(e);
  return true;
}

bool SetValue::Contains(std::string_view member) const {
  if (table_ == nullptr) {
    int64_t v;
    return ParseInt64(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
  }
  return table_->Find(member, HashKey(member)) != nullptr;
}

void SetValue::Clear() {
  if (table_) {
    table_->Clear([](Entry* e) { Entry::Destroy(e); });
    table_.reset();
    table_bytes_ = 0;
  }
  std::vector<int64_t>().swap(ints_);
}

std::string SetValue::RandomMember(uint64_t rnd) const {
  if (table_ == nullptr) return Int64ToString(ints_[rnd % ints_.size()]);
  return std::string(table_->Random(rnd)->key());
}

void SetValue::ConvertToTable() {
  table_ = std::make_unique<KeyTable>();
  char buf[24];
  for (int64_t v : ints_) {
    std::string_view member(buf, static_cast<size_t>(FormatInt64(v, buf)));
    Entry* e = Entry::CreateWith(member, {}, false);
    table_bytes_ += e->AllocatedBytes();
    table_->Insert(e, HashKey(member));
  }
  std::vector<int64_t>().swap(ints_);
}

}  // namespace cachet
