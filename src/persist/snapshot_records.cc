// Record encoding shared by snapshots and warm files.
#include "persist/snapshot_records.h"

#include "core/string_value.h"
#include "persist/snapshot.h"

namespace cachet {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void WriteRecord(FileWriter& w, uint8_t type, std::string_view payload) {
  w.Byte(type);
  w.Varint(payload.size());
  w.Bytes(payload);
}

void WriteAux(FileWriter& w, std::string_view key, std::string_view value) {
  std::string payload;
  PutString(&payload, key);
  PutString(&payload, value);
  WriteRecord(w, kRecordAux, payload);
}

bool PayloadReader::Varint(uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && pos_ < p_.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(p_[pos_++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool PayloadReader::Fixed64(uint64_t* v) {
  if (p_.size() - pos_ < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i)
    *v |= static_cast<uint64_t>(static_cast<uint8_t>(p_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return true;
}

bool PayloadReader::String(std::string_view* s) {
  uint64_t len;
  if (!Varint(&len) || len > p_.size() - pos_) return false;
  *s = p_.substr(pos_, len);
  pos_ += len;
  return true;
}

bool PayloadReader::Bytes(size_t n, std::string_view* s) {
  if (p_.size() - pos_ < n) return false;
  *s = p_.substr(pos_, n);
  pos_ += n;
  return true;
}

std::string_view PayloadReader::Rest() {
  std::string_view rest = p_.substr(pos_);
  pos_ = p_.size();
  return rest;
}

uint8_t EncodeKeyRecord(const Entry* e, int64_t deadline, std::string* payload) {
  payload->clear();
  PutVarint(payload, deadline >= 0 ? 1 : 0);
  if (deadline >= 0) PutFixed64(payload, static_cast<uint64_t>(deadline));
  PutString(payload, e->key());
  if (e->type() == ValueType::kString) {
    PutString(payload, StringValue(e));  // original bytes: a reload compresses again
    return kRecordString;
  }
  payload->push_back(static_cast<char>(e->type()));
  e->container()->Serialize(payload);
  return kRecordContainer;
}

bool DecodeKeyRecord(uint8_t type, std::string_view payload, KeyRecord* out) {
  PayloadReader p(payload);
  uint64_t flags, deadline = 0;
  if (!p.Varint(&flags) || ((flags & 1) && !p.Fixed64(&deadline)) || !p.String(&out->key)) {
    return false;
  }
  if ((flags & 1) && deadline > static_cast<uint64_t>(INT64_MAX)) return false;
  out->deadline = (flags & 1) ? static_cast<int64_t>(deadline) : -1;
  if (type == kRecordString) {
    out->type = ValueType::kString;
    return p.String(&out->value) && p.done();
  }
  if (type != kRecordContainer) return false;
  std::string_view type_byte;
  if (!p.Bytes(1, &type_byte)) return false;
  uint8_t t = static_cast<uint8_t>(type_byte[0]);
  if (t == static_cast<uint8_t>(ValueType::kString) || t > static_cast<uint8_t>(ValueType::kHash)) {
    return false;
  }
  out->type = static_cast<ValueType>(t);
  out->value = p.Rest();
  return true;
}

void EncodeTagsRecord(std::string_view key, const std::vector<std::string>& tags,
                      std::string* payload) {
  payload->clear();
  PutString(payload, key);
  PutVarint(payload, tags.size());
  for (const std::string& t : tags) PutString(payload, t);
}

bool DecodeTagsRecord(std::string_view payload, std::string_view* key,
                      std::vector<std::string_view>* tags) {
  PayloadReader p(payload);
  uint64_t n;
  if (!p.String(key) || !p.Varint(&n)) return false;
  tags->clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view tag;
    if (!p.String(&tag)) return false;
    tags->push_back(tag);
  }
  return p.done();
}

}  // namespace cachet
