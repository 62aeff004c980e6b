// Tests for the compact Entry layout.
#include "core/entry.h"

#include <gtest/gtest.h>

#include <string>

namespace cachet {

TEST(EntryTest, StoresKeyAndValueInline) {
  Entry* e = Entry::CreateWith("user:1", "hello", false);
  EXPECT_EQ(e->key(), "user:1");
  EXPECT_EQ(e->value(), "hello");
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->type(), ValueType::kString);
  e->set_encoding(Encoding::kEmbStr);
  EXPECT_EQ(e->encoding(), Encoding::kEmbStr);
  EXPECT_EQ(e->type(), ValueType::kString);
  e->set_access(123456);
  EXPECT_EQ(e->access(), 123456u);
  Entry::Destroy(e);
}

TEST(EntryTest, SixteenByteKeyThirtyTwoByteValueFitsSixtyFourBytes) {
  Entry* e = Entry::CreateWith(std::string(16, 'k'), std::string(32, 'v'), false);
  EXPECT_LE(e->AllocatedBytes(), 64u);
  Entry::Destroy(e);
}

TEST(EntryTest, ResizeKeepsPrefixMetadataAndSwitchesWidth) {
  Entry* e = Entry::CreateWith("k", "abc", false);
  e->set_encoding(Encoding::kRaw);
  e->set_access(7);
  e = Entry::Resize(e, 1000, true);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(e->value_len(), 1000u);
  EXPECT_EQ(e->value().substr(0, 3), "abc");
  EXPECT_EQ(e->access(), 7u);
  e->set_heap_index(42);
  e = Entry::Resize(e, 2000, true, 4000);
  EXPECT_EQ(e->heap_index(), 42u);
  EXPECT_GE(e->value_capacity(), 6000u);
  Entry* same = Entry::Resize(e, 3000, true);
  EXPECT_EQ(same, e);  // grew in place into the reserve
  e = Entry::Resize(same, 2, false);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->value(), "ab");
  Entry::Destroy(e);
}

TEST(EntryTest, LongKeys) {
  std::string key(70000, 'x');
  Entry* e = Entry::CreateWith(key, "v", true);
  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(e->value(), "v");
  Entry::Destroy(e);
}

}  // namespace cachet
