// Varint and length-prefixed string encoding for the snapshot payloads of values (hashes,
// lists, sets, sorted sets, sessions): little-endian base-128 varints, strings as a varint
// length then the bytes. Readers check every length against what is left, so damaged input
// fails cleanly instead of reading past the end.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Reads a varint at *pos, advancing it. False on truncation or more than 64 bits.
inline bool GetVarint(std::string_view s, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Reads a length-prefixed string at *pos (a view into s), advancing it.
inline bool GetLengthPrefixed(std::string_view s, size_t* pos, std::string_view* out) {
  uint64_t len;
  if (!GetVarint(s, pos, &len) || len > s.size() - *pos) return false;
  *out = s.substr(*pos, len);
  *pos += len;
  return true;
}

}  // namespace cachet
