// The record layer shared by snapshots and warm files (docs/warming.md): how one key is
// encoded as a record payload and decoded again, and the small field writers and reader the
// formats are built from. Every value type round-trips: strings inline, aggregates through
// their container's own Serialize/DeserializeContainer encoding.
//
// Key record payload (kRecordString / kRecordContainer):
//   varint flags, [fixed64 absolute deadline ms if flags & 1], key,
//   string: value | aggregate: u8 value type, then the container's encoding.
//
// Thread-safety: pure functions; EncodeKeyRecord reads an entry under its shard's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "core/entry.h"
#include "persist/binary_io.h"

namespace cachet {

void PutVarint(std::string* out, uint64_t v);
void PutString(std::string* out, std::string_view s);
void PutFixed64(std::string* out, uint64_t v);
// [u8 type][varint payload length][payload]
void WriteRecord(FileWriter& w, uint8_t type, std::string_view payload);
// A kRecordAux record: metadata key and value.
void WriteAux(FileWriter& w, std::string_view key, std::string_view value);

// Reads fields out of one record's payload.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view p) : p_(p) {}
  bool Varint(uint64_t* v);
  bool Fixed64(uint64_t* v);
  bool String(std::string_view* s);
  bool Bytes(size_t n, std::string_view* s);
  std::string_view Rest();
  bool done() const { return pos_ == p_.size(); }
  size_t pos() const { return pos_; }

 private:
  std::string_view p_;
  size_t pos_ = 0;
};

// One key as a record holds it. Views point into the payload.
struct KeyRecord {
  std::string_view key;
  int64_t deadline = -1;  // absolute ms, -1 = none
  ValueType type = ValueType::kString;
  std::string_view value;  // the string, or the container's encoding
};

// Encodes e (with its deadline, -1 for none) into *payload (cleared first) and returns the
// record type (kRecordString or kRecordContainer).
uint8_t EncodeKeyRecord(const Entry* e, int64_t deadline, std::string* payload);
// Parses a key record's payload; false when it is malformed. Aggregates are only checked here
// for their type byte: DeserializeContainer validates their encoding.
bool DecodeKeyRecord(uint8_t type, std::string_view payload, KeyRecord* out);

// Tags record payload (kRecordTags, written right after the key's record): key, varint n,
// n tags (docs/tags.md).
void EncodeTagsRecord(std::string_view key, const std::vector<std::string>& tags,
                      std::string* payload);
bool DecodeTagsRecord(std::string_view payload, std::string_view* key,
                      std::vector<std::string_view>* tags);

}  // namespace cachet
