// Container: the aggregate values a key can hold besides strings (list, set, sorted set,
// hash). An Entry of such a type stores a pointer to its Container inline and owns it.
// Each container keeps a running estimate of its memory, so the engine can account for it
// incrementally, and starts in a compact encoding that converts to a full structure when it
// grows, as Redis's do.
//
// Thread-safety: none; owned by one entry, used under its shard's lock.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/entry.h"

namespace cachet {

class Container {
 public:
  virtual ~Container() = default;
  virtual ValueType type() const = 0;
  virtual Encoding encoding() const = 0;
  // Number of elements (fields for hashes). A container with 0 elements is removed.
  virtual size_t Size() const = 0;
  virtual size_t MemoryBytes() const = 0;
  virtual std::unique_ptr<Container> Clone() const = 0;
  // Appends the elements for a snapshot (format defined by each type).
  virtual void Serialize(std::string* out) const = 0;
};

// The limits at which compact encodings convert, as Redis's *-max-listpack-* options.
struct EncodingLimits {
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
};

const char* EncodingName(Encoding e);
const char* TypeName(ValueType t);

}  // namespace cachet
