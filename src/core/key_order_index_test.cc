// Tests for KeyOrderIndex: prefix walks in key order, erase, relocation of moved entries.
#include "core/key_order_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachet {
namespace {

std::vector<std::string> WithPrefix(const KeyOrderIndex& index, std::string_view prefix,
                                    std::string_view from = "") {
  std::vector<std::string> out;
  index.ForEachWithPrefix(prefix, from, [&](Entry* e) {
    out.emplace_back(e->key());
    return true;
  });
  return out;
}

class KeyOrderIndexTest : public ::testing::Test {
 protected:
  ~KeyOrderIndexTest() override {
    for (Entry* e : entries_) Entry::Destroy(e);
  }
  Entry* Add(std::string_view key) {
    Entry* e = Entry::CreateWith(key, "v", false);
    entries_.push_back(e);
    index_.Insert(e);
    return e;
  }
  KeyOrderIndex index_;
  std::vector<Entry*> entries_;
};

TEST_F(KeyOrderIndexTest, WalksOnlyThePrefixInOrder) {
  for (const char* k : {"user:2:b", "user:1:a", "user:12:x", "user:1:b", "users", "aaa", "user:1"})
    Add(k);
  EXPECT_EQ(WithPrefix(index_, "user:1:"), (std::vector<std::string>{"user:1:a", "user:1:b"}));
  EXPECT_EQ(
      WithPrefix(index_, "user:1"),
      (std::vector<std::string>{"user:1", "user:12:x", "user:1:a", "user:1:b"}));  // '2' < ':'
  EXPECT_EQ(WithPrefix(index_, "zzz"), std::vector<std::string>{});
  EXPECT_EQ(WithPrefix(index_, "").size(), 7u);
  EXPECT_EQ(WithPrefix(index_, "user:1", "user:12:x"),
            (std::vector<std::string>{"user:12:x", "user:1:a", "user:1:b"}));
}

TEST_F(KeyOrderIndexTest, EraseRemovesExactlyThatKey) {
  Entry* a = Add("k:a");
  Add("k:b");
  index_.Erase(a);
  EXPECT_EQ(WithPrefix(index_, "k:"), std::vector<std::string>{"k:b"});
  EXPECT_EQ(index_.size(), 1u);
}

TEST_F(KeyOrderIndexTest, RelocatePointsAtTheMovedEntry) {
  Entry* a = Add("k:a");
  Add("k:b");
  KeyOrderIndex::Position p = index_.PositionOf("k:a");
  ASSERT_TRUE(p.valid());
  Entry* moved = Entry::Resize(a, 4000, false);  // too big to stay in place
  ASSERT_NE(moved, a);
  entries_[0] = moved;
  KeyOrderIndex::Relocate(p, moved);
  std::vector<Entry*> seen;
  index_.ForEachWithPrefix("k:a", "", [&](Entry* e) {
    seen.push_back(e);
    return true;
  });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], moved);
  EXPECT_FALSE(index_.PositionOf("k:zz").valid());
}

TEST_F(KeyOrderIndexTest, StopsWhenTheCallbackSaysSo) {
  for (int i = 0; i < 100; ++i) Add("p:" + std::to_string(1000 + i));
  int n = 0;
  index_.ForEachWithPrefix("p:", "", [&](Entry*) { return ++n < 10; });
  EXPECT_EQ(n, 10);
  EXPECT_GT(index_.MemoryBytes(), 100 * sizeof(Entry*));
}

}  // namespace
}  // namespace cachet
