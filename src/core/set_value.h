// SetValue: the value of a Redis set. A set whose members are all integers in canonical form
// (as Redis's string2ll accepts them) and that has at most set-max-intset-entries members is a
// sorted vector of int64 (Redis's "intset" encoding: members iterate in ascending order). Adding
// any other member, or one member too many, converts it for good to a KeyTable of member entries
// with empty values (Redis's "hashtable"), which also gives SSCAN a cursor that survives resizing
// and cheap random members.
//
// Thread-safety: none (see Container).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/numbers.h"
#include "core/container.h"
#include "core/key_table.h"

namespace cachet {

class SetValue : public Container {
 public:
  SetValue() = default;
  ~SetValue() override;

  ValueType type() const override { return ValueType::kSet; }
  Encoding encoding() const override { return table_ ? Encoding::kHashtable : Encoding::kIntset; }
  size_t Size() const override { return table_ ? table_->size() : ints_.size(); }
  size_t MemoryBytes() const override;
  std::unique_ptr<Container> Clone() const override;
  // count, then members (varint length + bytes).
  void Serialize(std::string* out) const override;
  // Rebuilds a set as Redis loads one: intset when every member is an integer and there are
  // at most set-max-intset-entries of them. nullptr when data is malformed.
  static std::unique_ptr<SetValue> Deserialize(std::string_view data, const EncodingLimits& limits);

  bool is_intset() const { return table_ == nullptr; }

  // Adds member; returns true when it is new. Converts to a hashtable when needed.
  bool Add(std::string_view member, const EncodingLimits& limits);
  // Removes member; returns true when it was present. The encoding never changes back.
  bool Remove(std::string_view member);
  bool Contains(std::string_view member) const;
  // Removes every member and returns to the intset encoding (for rebuilding a set in place).
  void Clear();

  // Calls f(std::string_view member) for each member: ascending integers for an intset, table
  // order for a hashtable. The view is only valid during the call.
  template <typename F>
  void ForEach(F&& f) const {
    if (table_ == nullptr) {
      char buf[24];
      for (int64_t v : ints_) f(std::string_view(buf, static_cast<size_t>(FormatInt64(v, buf))));
      return;
    }
    table_->ForEach([&](Entry* e) { f(e->key()); });
  }

  // SSCAN: an intset returns everything at once (next cursor 0), like Redis.
  template <typename F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& f) const {
    if (table_ == nullptr) {
      ForEach(f);
      return 0;
    }
    return table_->Scan(cursor, count, [&](Entry* e) { f(e->key()); });
  }

  // A member chosen from rnd. REQUIRES: Size() > 0. Uniform for intsets; for hashtables as
  // uniform as KeyTable::Random.
  std::string RandomMember(uint64_t rnd) const;

 private:
  void ConvertToTable();

  std::vector<int64_t> ints_;        // intset: sorted ascending
  std::unique_ptr<KeyTable> table_;  // hashtable: entries keyed by member, empty values
  size_t table_bytes_ = 0;           // entries' allocated bytes in table mode
};

}  // namespace cachet
