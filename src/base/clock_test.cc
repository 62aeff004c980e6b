// Tests for the clocks.
#include "base/clock.h"

#include <gtest/gtest.h>

namespace cachet {

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.NowMs(), 1250);
  EXPECT_EQ(clock.NowUs(), 1'250'000);
  clock.SetMs(5);
  EXPECT_EQ(clock.NowMs(), 5);
}

TEST(SystemClockTest, IsWallClockAndMonotonicMoves) {
  int64_t now = SystemClock::Get()->NowMs();
  EXPECT_GT(now, 1'600'000'000'000);  // after 2020
  int64_t a = MonotonicUs();
  int64_t b = MonotonicUs();
  EXPECT_LE(a, b);
}

}  // namespace cachet
