// Policy names.
#include "engine/eviction_policy.h"

#include <strings.h>

#include <cstring>
#include <string>

namespace cachet {
namespace {

struct PolicyName {
  EvictionPolicy policy;
  const char* name;
};

constexpr PolicyName kNames[] = {
    {EvictionPolicy::kNoEviction, "noeviction"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
};

}  // namespace

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* policy) {
  for (const auto& entry : kNames) {
    if (name.size() == strlen(entry.name) &&
        strncasecmp(name.data(), entry.name, name.size()) == 0) {
      *policy = entry.policy;
      return true;
    }
  }
  return false;
}

const char* EvictionPolicyName(EvictionPolicy policy) {
  for (const auto& entry : kNames)
    if (entry.policy == policy) return entry.name;
  return "noeviction";
}

}  // namespace cachet
