// Tests for Redis-compatible number parsing and formatting.
#include "base/numbers.h"

#include <gtest/gtest.h>

namespace cachet {

TEST(ParseInt64Test, AcceptsCanonicalIntegers) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
}

TEST(ParseInt64Test, RejectsWhatRedisRejects) {
  int64_t v = 0;
  for (const char* s : {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "9223372036854775808",
                        "-9223372036854775809", "abc", "123456789012345678901"}) {
    EXPECT_FALSE(ParseInt64(s, &v)) << s;
  }
}

TEST(ParseLongDoubleTest, FollowsStrtoldRules) {
  long double v = 0;
  EXPECT_TRUE(ParseLongDouble("1.5", &v));
  EXPECT_EQ(v, 1.5L);
  EXPECT_TRUE(ParseLongDouble("inf", &v));
  EXPECT_TRUE(ParseLongDouble("5e3", &v));
  EXPECT_FALSE(ParseLongDouble(" 1", &v));
  EXPECT_FALSE(ParseLongDouble("1 ", &v));
  EXPECT_FALSE(ParseLongDouble("nan", &v));
  EXPECT_FALSE(ParseLongDouble("", &v));
  EXPECT_FALSE(ParseLongDouble("1e99999", &v));
}

TEST(FormatLongDoubleHumanTest, TrimsZeros) {
  EXPECT_EQ(FormatLongDoubleHuman(3.0L), "3");
  EXPECT_EQ(FormatLongDoubleHuman(10.5L), "10.5");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(5000.0L), "5000");
  EXPECT_EQ(FormatLongDoubleHuman(0.1L), "0.1");
}

TEST(FormatInt64Test, RoundTrips) {
  EXPECT_EQ(Int64ToString(0), "0");
  EXPECT_EQ(Int64ToString(-7), "-7");
  EXPECT_EQ(Int64ToString(INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(Int64ToString(INT64_MAX), "9223372036854775807");
}

TEST(ParseMemorySizeTest, Units) {
  int64_t v = 0;
  EXPECT_TRUE(ParseMemorySize("100", &v));
  EXPECT_EQ(v, 100);
  EXPECT_TRUE(ParseMemorySize("1k", &v));
  EXPECT_EQ(v, 1000);
  EXPECT_TRUE(ParseMemorySize("1KB", &v));
  EXPECT_EQ(v, 1024);
  EXPECT_TRUE(ParseMemorySize("2gb", &v));
  EXPECT_EQ(v, 2LL * 1024 * 1024 * 1024);
  EXPECT_FALSE(ParseMemorySize("1tb", &v));
  EXPECT_FALSE(ParseMemorySize("mb", &v));
  EXPECT_FALSE(ParseMemorySize("", &v));
}

}  // namespace cachet
