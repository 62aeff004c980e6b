// Tests for KeyTable, including SCAN's guarantee across growth, shrinking and deletion.
#include "core/key_table.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <unordered_set>

#include "base/hash.h"

namespace cachet {
namespace {

Entry* Make(const std::string& key) { return Entry::CreateWith(key, "v", false); }

void Add(KeyTable& t, const std::string& key) { t.Insert(Make(key), HashKey(key)); }

bool Remove(KeyTable& t, const std::string& key) {
  KeyTable::Slot* s = t.Find(key, HashKey(key));
  if (s == nullptr) return false;
  Entry* e = KeyTable::EntryAt(s);
  t.Erase(s);
  Entry::Destroy(e);
  return true;
}

void FreeAll(KeyTable& t) {
  t.Clear([](Entry* e) { Entry::Destroy(e); });
}

}  // namespace

TEST(KeyTableTest, InsertFindErase) {
  KeyTable t;
  for (int i = 0; i < 10000; ++i) Add(t, "key:" + std::to_string(i));
  EXPECT_EQ(t.size(), 10000u);
  for (int i = 0; i < 10000; ++i) {
    std::string k = "key:" + std::to_string(i);
    KeyTable::Slot* s = t.Find(k, HashKey(k));
    ASSERT_NE(s, nullptr) << k;
    EXPECT_EQ(KeyTable::EntryAt(s)->key(), k);
  }
  EXPECT_EQ(t.Find("missing", HashKey("missing")), nullptr);
  for (int i = 0; i < 10000; i += 2) EXPECT_TRUE(Remove(t, "key:" + std::to_string(i)));
  EXPECT_EQ(t.size(), 5000u);
  for (int i = 0; i < 10000; ++i) {
    std::string k = "key:" + std::to_string(i);
    EXPECT_EQ(t.Find(k, HashKey(k)) != nullptr, i % 2 == 1) << k;
  }
  for (int i = 1; i < 10000; i += 2) EXPECT_TRUE(Remove(t, "key:" + std::to_string(i)));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.MemoryBytes(), 0u);
}

TEST(KeyTableTest, LoadStaysHigh) {
  KeyTable t;
  for (int i = 0; i < 100000; ++i) Add(t, "k" + std::to_string(i));
  EXPECT_GE(static_cast<double>(t.size()) / t.capacity(), 0.55);
  FreeAll(t);
}

TEST(KeyTableTest, ReplaceKeepsPosition) {
  KeyTable t;
  Add(t, "a");
  KeyTable::Slot* s = t.Find("a", HashKey("a"));
  Entry* old = KeyTable::EntryAt(s);
  Entry* bigger = Entry::Resize(old, 500, false);
  KeyTable::Replace(s, bigger);
  EXPECT_EQ(KeyTable::EntryAt(t.Find("a", HashKey("a"))), bigger);
  FreeAll(t);
}

TEST(KeyTableTest, ScanReturnsEveryStableKeyDespiteChurn) {
  std::mt19937_64 rng(7);
  KeyTable t;
  std::set<std::string> stable;
  for (int i = 0; i < 3000; ++i) {
    std::string k = "stable:" + std::to_string(i);
    Add(t, k);
    stable.insert(k);
  }
  std::unordered_set<std::string> churn;
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int rounds = 0;
  do {
    cursor = t.Scan(cursor, 10, [&](Entry* e) { seen.insert(std::string(e->key())); });
    // Between calls: add and remove other keys so the table grows and shrinks.
    for (int j = 0; j < 60; ++j) {
      std::string k = "churn:" + std::to_string(rng() % 20000);
      if (churn.count(k)) {
        Remove(t, k);
        churn.erase(k);
      } else {
        Add(t, k);
        churn.insert(k);
      }
    }
    if (rounds == 200) {  // force a large growth mid-scan
      for (int j = 0; j < 20000; ++j) {
        std::string k = "bulk:" + std::to_string(j);
        Add(t, k);
      }
    }
    if (rounds == 400) {
      for (int j = 0; j < 20000; ++j) Remove(t, "bulk:" + std::to_string(j));
    }
    ++rounds;
  } while (cursor != 0 && rounds < 100000);
  EXPECT_EQ(cursor, 0u);
  for (const auto& k : stable) EXPECT_TRUE(seen.count(k)) << k;
  FreeAll(t);
}

TEST(KeyTableTest, ScanCursorsStaySmallLikeRedis) {
  KeyTable t;
  for (int i = 0; i < 100000; ++i) Add(t, "k:" + std::to_string(i));
  // Cursors are bit-reversed positions with as many trailing zeros as the entries allow: most
  // (over 70%) are below 4 * capacity, none reaches capacity * 2^17.
  std::set<std::string> seen;
  uint64_t cursor = 0, largest = 0;
  size_t calls = 0, small = 0;
  do {
    cursor = t.Scan(cursor, 100, [&](Entry* e) { seen.insert(std::string(e->key())); });
    largest = std::max(largest, cursor);
    small += cursor < 4 * t.capacity();
    ++calls;
  } while (cursor != 0 && calls < 100000);
  EXPECT_EQ(cursor, 0u);
  EXPECT_EQ(seen.size(), 100000u);
  EXPECT_LT(largest, t.capacity() << 17);
  EXPECT_GT(small * 10, calls * 7);
  EXPECT_LT(calls, 2000u);  // about count entries per call
  EXPECT_EQ(t.Scan(uint64_t{1} << 48, 10, [](Entry*) {}), 0u);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x123456789abc}, (uint64_t{1} << 48) - 1}) {
    EXPECT_EQ(KeyTable::ReverseBits48(KeyTable::ReverseBits48(v)), v);
  }
  EXPECT_EQ(KeyTable::ReverseBits48(1), uint64_t{1} << 47);
  FreeAll(t);
}

TEST(KeyTableTest, ScanSurvivesShrinkingAfterASmallCursor) {
  KeyTable t;
  std::set<std::string> stable;
  for (int i = 0; i < 50; ++i) {
    Add(t, "s:" + std::to_string(i));
    stable.insert("s:" + std::to_string(i));
  }
  for (int i = 0; i < 5000; ++i) Add(t, "b:" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = t.Scan(0, 20, [&](Entry* e) { seen.insert(std::string(e->key())); });
  for (int i = 0; i < 5000; ++i) Remove(t, "b:" + std::to_string(i));  // shrinks
  int calls = 0;
  while (cursor != 0 && ++calls < 100000) {
    cursor = t.Scan(cursor, 3, [&](Entry* e) { seen.insert(std::string(e->key())); });
  }
  for (const auto& k : stable) EXPECT_TRUE(seen.count(k)) << k;
  FreeAll(t);
}

TEST(KeyTableTest, RandomFindsSomething) {
  KeyTable t;
  EXPECT_EQ(t.Random(5), nullptr);
  Add(t, "only");
  for (uint64_t r = 0; r < 50; ++r) EXPECT_EQ(t.Random(r)->key(), "only");
  FreeAll(t);
}

TEST(KeyTableTest, MoveTransfersOwnership) {
  KeyTable a;
  Add(a, "x");
  KeyTable b(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_NE(b.Find("x", HashKey("x")), nullptr);
  FreeAll(b);
}

}  // namespace cachet
