// Reading a string entry's bytes whatever its encoding: every reader of a string value (GET,
// GETRANGE, the snapshot writer, ...) goes through StringValue, so a value stored compressed
// (core/compressed_value.h) reads as the original bytes. An uncompressed value costs one
// encoding check more than Entry::value().
//
// Thread-safety: the view of a decompressed value points into a per-thread buffer, valid until
// the same thread's next StringValue call; the entry itself is guarded by its shard's lock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/compressed_value.h"
#include "core/entry.h"

namespace cachet {

// The decompressed bytes of a compressed entry, in this thread's buffer.
std::string_view InflatedValue(const Entry* e);

// REQUIRES: e->type() == ValueType::kString.
inline std::string_view StringValue(const Entry* e) {
  if (e->encoding() != Encoding::kCompressed) [[likely]]
    return e->value();
  return InflatedValue(e);
}

// The original length, without decompressing. REQUIRES: e->type() == ValueType::kString.
inline size_t StringLength(const Entry* e) {
  if (e->encoding() != Encoding::kCompressed) [[likely]]
    return e->value_len();
  return CompressedOriginalLength(e->value());
}

}  // namespace cachet
