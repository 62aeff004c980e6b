// Access tracking stored in Entry::access(): an LRU clock in seconds, or Redis's logarithmic LFU
// counter with decay ((minutes & 0xffff) << 8 | counter). Pure functions, thread-safe.
#pragma once

#include <cstdint>

namespace cachet {

constexpr uint8_t kLfuInitialCounter = 5;

struct LfuParams {
  int log_factor = 10;    // lfu-log-factor
  int decay_minutes = 1;  // lfu-decay-time
};

inline uint32_t LruStamp(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000); }
inline uint32_t LruIdleSeconds(uint32_t stamp, int64_t now_ms) { return LruStamp(now_ms) - stamp; }

uint32_t LfuInitial(int64_t now_ms);
// The counter after decay for the minutes elapsed since the last access.
uint8_t LfuDecayedCounter(uint32_t state, int64_t now_ms, const LfuParams& params);
// The new state after one access; random01 is a uniform number in [0, 1).
uint32_t LfuTouch(uint32_t state, int64_t now_ms, const LfuParams& params, double random01);

}  // namespace cachet
