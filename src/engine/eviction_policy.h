// The maxmemory-policy names Redis uses and what each one means for sampling.
// Pure values, thread-safe.
#pragma once

#include <string_view>

namespace cachet {

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* policy);
const char* EvictionPolicyName(EvictionPolicy policy);
inline bool IsLfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}
inline bool IsVolatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

}  // namespace cachet
