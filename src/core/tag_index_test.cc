// Tests for TagIndex: both directions stay in step and nothing is left behind.
#include "core/tag_index.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

TEST(TagIndexTest, AddIsIdempotentAndTwoWay) {
  TagIndex index;
  EXPECT_TRUE(index.Add("k1", "t1"));
  EXPECT_FALSE(index.Add("k1", "t1"));
  EXPECT_TRUE(index.Add("k1", "t2"));
  EXPECT_TRUE(index.Add("k2", "t1"));
  ASSERT_NE(index.KeysOf("t1"), nullptr);
  EXPECT_EQ(index.KeysOf("t1")->size(), 2u);
  EXPECT_EQ(*index.TagsOf("k1"), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(index.tag_count(), 2u);
  EXPECT_EQ(index.tagged_keys(), 2u);
}

TEST(TagIndexTest, RemovingTheLastKeyDropsTheTagAndAllBytes) {
  TagIndex index;
  EXPECT_EQ(index.MemoryBytes(), 0u);
  index.Add("key-with-a-long-name-over-sso", "tag-with-a-long-name-over-sso");
  index.Add("k2", "tag-with-a-long-name-over-sso");
  index.Add("k2", "t");
  EXPECT_GT(index.MemoryBytes(), 0u);
  EXPECT_EQ(index.RemoveKey("k2"), 2u);
  EXPECT_EQ(index.KeysOf("t"), nullptr);
  EXPECT_EQ(index.KeysOf("tag-with-a-long-name-over-sso")->size(), 1u);
  EXPECT_EQ(index.RemoveKey("key-with-a-long-name-over-sso"), 1u);
  EXPECT_EQ(index.RemoveKey("nope"), 0u);
  EXPECT_EQ(index.tag_count(), 0u);
  EXPECT_EQ(index.tagged_keys(), 0u);
  EXPECT_EQ(index.MemoryBytes(), 0u);
}

TEST(TagIndexTest, SomeKeysOfIsBounded) {
  TagIndex index;
  for (int i = 0; i < 50; ++i) index.Add("k" + std::to_string(i), "t");
  EXPECT_EQ(index.SomeKeysOf("t", 20).size(), 20u);
  EXPECT_EQ(index.SomeKeysOf("t", 100).size(), 50u);
  EXPECT_TRUE(index.SomeKeysOf("missing", 10).empty());
}

}  // namespace
}  // namespace cachet
