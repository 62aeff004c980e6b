// Logarithmic LFU counter with time decay.
#include "core/lfu.h"

namespace cachet {
namespace {

uint32_t Minutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xffff; }

uint32_t ElapsedMinutes(uint32_t then, uint32_t now) {
  return now >= then ? now - then : 65535 - then + now;
}

}  // namespace

uint32_t LfuInitial(int64_t now_ms) { return (Minutes(now_ms) << 8) | kLfuInitialCounter; }

uint8_t LfuDecayedCounter(uint32_t state, int64_t now_ms, const LfuParams& params) {
  uint32_t counter = state & 0xff;
  if (params.decay_minutes <= 0) return static_cast<uint8_t>(counter);
  uint32_t periods = ElapsedMinutes(state >> 8, Minutes(now_ms)) / params.decay_minutes;
  return static_cast<uint8_t>(periods > counter ? 0 : counter - periods);
}

uint32_t LfuTouch(uint32_t state, int64_t now_ms, const LfuParams& params, double random01) {
  uint32_t counter = LfuDecayedCounter(state, now_ms, params);
  if (counter < 255) {
    double base = counter > kLfuInitialCounter ? counter - kLfuInitialCounter : 0;
    double p = 1.0 / (base * params.log_factor + 1);
    if (random01 < p) ++counter;
  }
  return (Minutes(now_ms) << 8) | counter;
}

}  // namespace cachet
