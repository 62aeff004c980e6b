// Key hashing (XXH3, 64 bit) used by shards and tables. Pure function, thread-safe.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace cachet {

inline uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace cachet
