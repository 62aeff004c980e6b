// ComputeLcs against Redis's documented example and simple cases.
#include "core/lcs.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

TEST(LcsTest, RedisExample) {
  LcsResult r = ComputeLcs("ohmytext", "mynewtext", true, true, 0);
  EXPECT_EQ(r.length, 6u);
  EXPECT_EQ(r.text, "mytext");
  ASSERT_EQ(r.ranges.size(), 2u);  // last range first, as Redis reports them
  EXPECT_EQ(r.ranges[0].a_start, 4u);
  EXPECT_EQ(r.ranges[0].a_end, 7u);
  EXPECT_EQ(r.ranges[0].b_start, 5u);
  EXPECT_EQ(r.ranges[0].b_end, 8u);
  EXPECT_EQ(r.ranges[1].a_start, 2u);
  EXPECT_EQ(r.ranges[1].b_start, 0u);
  EXPECT_EQ(r.ranges[1].length(), 2u);
  EXPECT_EQ(ComputeLcs("ohmytext", "mynewtext", false, true, 4).ranges.size(), 1u);
}

TEST(LcsTest, EmptyAndDisjoint) {
  EXPECT_EQ(ComputeLcs("", "abc", true, true, 0).length, 0u);
  EXPECT_EQ(ComputeLcs("abc", "", true, true, 0).text, "");
  LcsResult r = ComputeLcs("abc", "xyz", true, true, 0);
  EXPECT_EQ(r.length, 0u);
  EXPECT_TRUE(r.ranges.empty());
  EXPECT_EQ(ComputeLcs("abcabc", "abcabc", true, true, 0).ranges.size(), 1u);
  EXPECT_EQ(ComputeLcs("abcd", "acbd", false, false, 0).length, 3u);
  EXPECT_TRUE(ComputeLcs("abcd", "acbd", false, false, 0).text.empty());
  EXPECT_EQ(LcsTableBytes(1, 1), 16u);
}

}  // namespace
}  // namespace cachet
