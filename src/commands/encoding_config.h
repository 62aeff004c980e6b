// SharedEncodingLimits: the encoding thresholds (hash-max-listpack-entries and friends) as the
// command threads read them, kept in step with the server options by BindEncodingLimits, so
// CONFIG SET changes which encoding later writes pick, as in Redis.
//
// Thread-safety: Load() may run on any thread concurrently with the listeners' stores; each
// threshold is read atomically (a command may see one old and one new threshold while CONFIG SET
// runs, which is harmless).
#pragma once

#include <atomic>
#include <cstddef>

#include "core/container.h"

namespace cachet {

class Config;

class SharedEncodingLimits {
 public:
  EncodingLimits Load() const;
  void Store(const EncodingLimits& limits);

 private:
  std::atomic<size_t> hash_entries_{EncodingLimits().hash_max_listpack_entries};
  std::atomic<size_t> hash_value_{EncodingLimits().hash_max_listpack_value};
  std::atomic<size_t> set_intset_entries_{EncodingLimits().set_max_intset_entries};
  std::atomic<size_t> zset_entries_{EncodingLimits().zset_max_listpack_entries};
  std::atomic<size_t> zset_value_{EncodingLimits().zset_max_listpack_value};
};

// The thresholds the options of config currently name.
EncodingLimits EncodingLimitsFrom(const Config& config);
// Stores config's thresholds in limits now and after every runtime change of them.
void BindEncodingLimits(Config* config, SharedEncodingLimits* limits);

}  // namespace cachet
