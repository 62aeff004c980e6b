// HashValue: the value of a Redis hash. Small hashes are a Listpack of field, value pairs in
// insertion order (Redis's "listpack" encoding); past hash-max-listpack-entries fields, or a
// field or value longer than hash-max-listpack-value, it converts for good to a KeyTable of
// field entries (Redis's "hashtable"), which also gives HSCAN a cursor that survives resizing.
//
// Thread-safety: none (see Container).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "core/key_table.h"
#include "core/listpack.h"

namespace cachet {

class HashValue : public Container {
 public:
  HashValue() = default;
  ~HashValue() override;

  ValueType type() const override { return ValueType::kHash; }
  Encoding encoding() const override;
  size_t Size() const override;
  size_t MemoryBytes() const override;
  std::unique_ptr<Container> Clone() const override;
  // count, then field, value pairs (varint length + bytes).
  void Serialize(std::string* out) const override;
  static std::unique_ptr<HashValue> Deserialize(std::string_view data,
                                                const EncodingLimits& limits);

  std::optional<std::string_view> Get(std::string_view field) const;
  // Sets field to value; returns true when the field is new.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  // Removes field; returns true when it existed.
  bool Delete(std::string_view field);

  // Calls f(field, value) for each pair (insertion order while compact).
  template <typename F>
  void ForEach(F&& f) const {
    if (table_ == nullptr) {
      size_t pos = lp_.begin();
      while (pos < lp_.end()) {
        size_t next;
        std::string_view field = lp_.At(pos, &next);
        std::string_view value = lp_.At(next, &pos);
        f(field, value);
      }
      return;
    }
    table_->ForEach([&](Entry* e) { f(e->key(), e->value()); });
  }

  // HSCAN: compact hashes return everything at once (next cursor 0), like Redis.
  template <typename F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& f) const {
    if (table_ == nullptr) {
      ForEach(f);
      return 0;
    }
    return table_->Scan(cursor, count, [&](Entry* e) { f(e->key(), e->value()); });
  }

  // The pair at index i (0 <= i < Size()) for HRANDFIELD; rnd picks in table mode.
  std::pair<std::string_view, std::string_view> PairAt(size_t i, uint64_t rnd) const;

 private:
  void ConvertToTable();

  Listpack lp_;                      // compact: field, value, field, value...
  std::unique_ptr<KeyTable> table_;  // full: entries keyed by field
  size_t table_bytes_ = 0;           // entries' allocated bytes in table mode
};

}  // namespace cachet
