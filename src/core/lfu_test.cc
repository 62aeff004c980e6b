// Tests for LFU counting and decay.
#include "core/lfu.h"

#include <gtest/gtest.h>

namespace cachet {

TEST(LfuTest, StartsAtFiveAndGrowsLogarithmically) {
  LfuParams params;
  int64_t now = 1'000'000'000;
  uint32_t s = LfuInitial(now);
  EXPECT_EQ(LfuDecayedCounter(s, now, params), 5);
  s = LfuTouch(s, now, params, 0.0);  // p=1 at the initial value
  EXPECT_EQ(LfuDecayedCounter(s, now, params), 6);
  s = LfuTouch(s, now, params, 0.5);  // p = 1/11 now: no increment
  EXPECT_EQ(LfuDecayedCounter(s, now, params), 6);
}

TEST(LfuTest, DecaysOnePerMinute) {
  LfuParams params;
  int64_t now = 1'000'000'000;
  uint32_t s = LfuInitial(now);
  EXPECT_EQ(LfuDecayedCounter(s, now + 3 * 60000, params), 2);
  EXPECT_EQ(LfuDecayedCounter(s, now + 30 * 60000, params), 0);
}

TEST(LruTest, IdleSeconds) {
  uint32_t stamp = LruStamp(10'000);
  EXPECT_EQ(LruIdleSeconds(stamp, 25'500), 15u);
}

}  // namespace cachet
