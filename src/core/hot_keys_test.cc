// Tests for the bounded hot-key selection.
#include "core/hot_keys.h"

#include <gtest/gtest.h>

#include <random>

namespace cachet {
namespace {

std::vector<std::string> Keys(std::vector<HotKeys::Candidate> c) {
  std::vector<std::string> out;
  for (auto& x : c) out.push_back(x.key);
  return out;
}

TEST(HotKeysTest, KeepsTheHottestHottestFirst) {
  HotKeys hot(3);
  hot.Offer(5, "a");
  hot.Offer(9, "b");
  hot.Offer(1, "c");
  hot.Offer(7, "d");
  hot.Offer(2, "e");
  hot.Offer(8, "f");
  EXPECT_EQ(hot.size(), 3u);
  EXPECT_EQ(Keys(hot.TakeHottestFirst()), (std::vector<std::string>{"b", "f", "d"}));
  EXPECT_EQ(hot.size(), 0u);
}

TEST(HotKeysTest, FewerKeysThanCapacityAndTies) {
  HotKeys hot(10);
  hot.Offer(3, "z");
  hot.Offer(3, "a");
  hot.Offer(4, "m");
  EXPECT_EQ(Keys(hot.TakeHottestFirst()), (std::vector<std::string>{"m", "a", "z"}));
}

TEST(HotKeysTest, EqualScoreDoesNotDisplaceAKeptKey) {
  HotKeys hot(2);
  hot.Offer(5, "first");
  hot.Offer(5, "second");
  hot.Offer(5, "third");  // no hotter than the coldest kept one
  EXPECT_EQ(Keys(hot.TakeHottestFirst()), (std::vector<std::string>{"first", "second"}));
}

TEST(HotKeysTest, ZeroCapacityKeepsNothing) {
  HotKeys hot(0);
  hot.Offer(100, "a");
  EXPECT_EQ(hot.size(), 0u);
  EXPECT_TRUE(hot.TakeHottestFirst().empty());
}

TEST(HotKeysTest, MatchesAFullSortOnRandomInput) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<uint64_t, std::string>> all;
  HotKeys hot(100);
  for (int i = 0; i < 10000; ++i) {
    uint64_t score = rng() % 100000;
    std::string key = "k" + std::to_string(i);
    all.emplace_back(score, key);
    hot.Offer(score, key);
    ASSERT_LE(hot.size(), 100u);
  }
  std::vector<HotKeys::Candidate> got = hot.TakeHottestFirst();
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
  ASSERT_EQ(got.size(), 100u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].score, all[i].first) << i;
}

}  // namespace
}  // namespace cachet
