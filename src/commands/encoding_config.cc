// Encoding thresholds: server options to the atomics the command threads read.
#include "commands/encoding_config.h"

#include "config/config.h"

namespace cachet {

EncodingLimits SharedEncodingLimits::Load() const {
  EncodingLimits out;
  out.hash_max_listpack_entries = hash_entries_.load(std::memory_order_relaxed);
  out.hash_max_listpack_value = hash_value_.load(std::memory_order_relaxed);
  out.set_max_intset_entries = set_intset_entries_.load(std::memory_order_relaxed);
  out.zset_max_listpack_entries = zset_entries_.load(std::memory_order_relaxed);
  out.zset_max_listpack_value = zset_value_.load(std::memory_order_relaxed);
  return out;
}

void SharedEncodingLimits::Store(const EncodingLimits& limits) {
  hash_entries_.store(limits.hash_max_listpack_entries, std::memory_order_relaxed);
  hash_value_.store(limits.hash_max_listpack_value, std::memory_order_relaxed);
  set_intset_entries_.store(limits.set_max_intset_entries, std::memory_order_relaxed);
  zset_entries_.store(limits.zset_max_listpack_entries, std::memory_order_relaxed);
  zset_value_.store(limits.zset_max_listpack_value, std::memory_order_relaxed);
}

namespace {

constexpr const char* kOptions[] = {"hash-max-listpack-entries", "hash-max-listpack-value",
                                    "set-max-intset-entries", "zset-max-listpack-entries",
                                    "zset-max-listpack-value"};

size_t SizeOption(const Config& config, const char* name) {
  int64_t v = config.GetInt(name);
  return v < 0 ? 0 : static_cast<size_t>(v);
}

}  // namespace

EncodingLimits EncodingLimitsFrom(const Config& config) {
  EncodingLimits out;
  out.hash_max_listpack_entries = SizeOption(config, kOptions[0]);
  out.hash_max_listpack_value = SizeOption(config, kOptions[1]);
  out.set_max_intset_entries = SizeOption(config, kOptions[2]);
  out.zset_max_listpack_entries = SizeOption(config, kOptions[3]);
  out.zset_max_listpack_value = SizeOption(config, kOptions[4]);
  return out;
}

void BindEncodingLimits(Config* config, SharedEncodingLimits* limits) {
  limits->Store(EncodingLimitsFrom(*config));
  for (const char* name : kOptions) {
    config->OnChange(
        name, [config, limits](const std::string&) { limits->Store(EncodingLimitsFrom(*config)); });
  }
}

}  // namespace cachet
