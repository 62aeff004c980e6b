// Unit tests for ZSetValue (both encodings), its skiplist and the range parsers, including a
// randomized comparison against a simple ordered model.
#include "core/zset_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/container_factory.h"

namespace cachet {
namespace {

using Pairs = std::vector<std::pair<std::string, double>>;

Pairs All(const ZSetValue& z) {
  Pairs out;
  z.ForEach([&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  return out;
}

double Add(ZSetValue& z, std::string_view member, double score, const EncodingLimits& limits = {}) {
  double result = 0;
  z.Add(member, score, 0, limits, &result);
  return result;
}

TEST(ZSetValueTest, OrdersByScoreThenMember) {
  ZSetValue z;
  Add(z, "b", 1);
  Add(z, "a", 1);
  Add(z, "c", 0.5);
  Add(z, "z", -std::numeric_limits<double>::infinity());
  Add(z, "y", std::numeric_limits<double>::infinity());
  EXPECT_EQ(z.encoding(), Encoding::kListpack);
  Pairs expected = {{"z", -INFINITY}, {"c", 0.5}, {"a", 1}, {"b", 1}, {"y", INFINITY}};
  EXPECT_EQ(All(z), expected);
  EXPECT_EQ(z.Rank("a", false), 2);
  EXPECT_EQ(z.Rank("a", true), 2);
  EXPECT_EQ(z.Rank("y", true), 0);
  EXPECT_EQ(z.Rank("nope", false), -1);
  EXPECT_EQ(z.At(3).member, "b");
  EXPECT_TRUE(z.Remove("a"));
  EXPECT_FALSE(z.Remove("a"));
  EXPECT_EQ(z.Size(), 4u);
  EXPECT_EQ(*z.Score("c"), 0.5);
  EXPECT_FALSE(z.Score("a").has_value());
}

TEST(ZSetValueTest, ListpackStoresNegativeZeroAsZeroSkiplistKeepsIt) {
  ZSetValue small;
  EXPECT_EQ(Add(small, "m", -0.0), 0.0);
  EXPECT_FALSE(std::signbit(*small.Score("m")));
  ZSetValue big;
  Add(big, std::string(65, 'x'), 1);
  ASSERT_EQ(big.encoding(), Encoding::kSkiplist);
  Add(big, "m", -0.0);
  EXPECT_TRUE(std::signbit(*big.Score("m")));
}

TEST(ZSetValueTest, ConvertsPastEntriesAndValueLimits) {
  EncodingLimits limits;
  ZSetValue z;
  for (int i = 0; i < 128; ++i) Add(z, "m" + std::to_string(i), i, limits);
  EXPECT_EQ(z.encoding(), Encoding::kListpack);
  Add(z, "m128", 128, limits);
  EXPECT_EQ(z.encoding(), Encoding::kSkiplist);
  for (int i = 0; i < 120; ++i) z.Remove("m" + std::to_string(i));
  EXPECT_EQ(z.encoding(), Encoding::kSkiplist);  // never converts back
  EXPECT_EQ(z.Size(), 9u);

  ZSetValue y;
  Add(y, std::string(64, 'v'), 1, limits);
  EXPECT_EQ(y.encoding(), Encoding::kListpack);
  Add(y, std::string(65, 'v'), 1, limits);
  EXPECT_EQ(y.encoding(), Encoding::kSkiplist);
  EXPECT_EQ(y.Size(), 2u);
}

TEST(ZSetValueTest, AddFlags) {
  EncodingLimits limits;
  for (bool big : {false, true}) {
    ZSetValue z;
    if (big) Add(z, std::string(100, 'b'), 100, limits);
    double r = 0;
    using R = ZSetValue::AddResult;
    EXPECT_EQ(z.Add("a", 5, 0, limits, &r), R::kAdded);
    EXPECT_EQ(z.Add("a", 5, 0, limits, &r), R::kUnchanged);
    EXPECT_EQ(z.Add("a", 6, ZSetValue::kAddNx, limits, &r), R::kSkipped);
    EXPECT_EQ(z.Add("n", 6, ZSetValue::kAddXx, limits, &r), R::kSkipped);
    EXPECT_EQ(z.Add("a", 4, ZSetValue::kAddGt, limits, &r), R::kSkipped);
    EXPECT_EQ(z.Add("a", 7, ZSetValue::kAddGt, limits, &r), R::kUpdated);
    EXPECT_EQ(r, 7);
    EXPECT_EQ(z.Add("a", 7, ZSetValue::kAddLt, limits, &r), R::kSkipped);
    EXPECT_EQ(z.Add("a", 2, ZSetValue::kAddIncr, limits, &r), R::kUpdated);
    EXPECT_EQ(r, 9);
    EXPECT_EQ(z.Add("a", -1, ZSetValue::kAddIncr | ZSetValue::kAddGt, limits, &r), R::kSkipped);
    EXPECT_EQ(z.Add("g", 3, ZSetValue::kAddGt, limits, &r), R::kAdded);  // new members pass GT
    EXPECT_EQ(z.Add("i", INFINITY, 0, limits, &r), R::kAdded);
    EXPECT_EQ(z.Add("i", -INFINITY, ZSetValue::kAddIncr, limits, &r), R::kNaN);
    EXPECT_EQ(*z.Score("i"), INFINITY);
    EXPECT_EQ(z.encoding() == Encoding::kSkiplist, big);
  }
}

TEST(ZSetValueTest, ParsesScoreRanges) {
  ZScoreRange r;
  ASSERT_TRUE(ParseZScoreRange("(1.5", "+inf", &r));
  EXPECT_EQ(r.min, 1.5);
  EXPECT_TRUE(r.min_exclusive);
  EXPECT_EQ(r.max, INFINITY);
  EXPECT_FALSE(r.max_exclusive);
  EXPECT_TRUE(ParseZScoreRange("-inf", "(inf", &r));
  EXPECT_TRUE(ParseZScoreRange("", "(", &r));  // strtod of "" is 0, as in Redis
  EXPECT_EQ(r.max, 0);
  EXPECT_TRUE(r.Empty());
  EXPECT_TRUE(ParseZScoreRange(" 1", "0x10", &r));
  EXPECT_EQ(r.max, 16);
  EXPECT_TRUE(ParseZScoreRange(std::string("2\0junk", 6), "3", &r));
  EXPECT_EQ(r.min, 2);
  EXPECT_FALSE(ParseZScoreRange("1 ", "2", &r));
  EXPECT_FALSE(ParseZScoreRange("nan", "2", &r));
  EXPECT_FALSE(ParseZScoreRange("1", "abc", &r));
  EXPECT_FALSE(ParseZScoreRange("((1", "2", &r));
}

TEST(ZSetValueTest, ParsesLexRanges) {
  ZLexRange r;
  ASSERT_TRUE(ParseZLexRange("-", "+", &r));
  EXPECT_FALSE(r.Empty());
  EXPECT_TRUE(r.AboveMin(""));
  ASSERT_TRUE(ParseZLexRange("[a", "(c", &r));
  EXPECT_TRUE(r.AboveMin("a"));
  EXPECT_TRUE(r.BelowMax("bzz"));
  EXPECT_FALSE(r.BelowMax("c"));
  EXPECT_TRUE(ParseZLexRange("+", "-", &r));
  EXPECT_TRUE(r.Empty());
  EXPECT_TRUE(ParseZLexRange("-", "-", &r));
  EXPECT_TRUE(r.Empty());
  EXPECT_TRUE(ParseZLexRange("[a", "[a", &r));
  EXPECT_FALSE(r.Empty());
  EXPECT_TRUE(ParseZLexRange("(a", "[a", &r));
  EXPECT_TRUE(r.Empty());
  EXPECT_TRUE(ParseZLexRange("(", "[", &r));
  EXPECT_FALSE(ParseZLexRange("a", "+", &r));
  EXPECT_FALSE(ParseZLexRange("", "+", &r));
  EXPECT_FALSE(ParseZLexRange("-", "+x", &r));
  EXPECT_TRUE(ParseZLexRange("-", std::string("+\0x", 3), &r));
}

TEST(ZSetValueTest, LexRangeOverMixedScoresFollowsRedisScan) {
  // Listpack order: b(1) a(2) c(3). Redis finds the first element >= [a scanning from the front
  // (b), then walks on while members are <= [b, without checking [a again (redis-server 7.0
  // answers b, a).
  ZSetValue z;
  Add(z, "b", 1);
  Add(z, "a", 2);
  Add(z, "c", 3);
  ZLexRange r;
  ASSERT_TRUE(ParseZLexRange("[a", "[b", &r));
  std::vector<std::string> got;
  z.RangeByLex(r, false, 0, -1, [&](std::string_view m, double) { got.emplace_back(m); });
  EXPECT_EQ(got, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(z.CountByLex(r), 2u);
  ASSERT_TRUE(ParseZLexRange("-", "[a", &r));
  EXPECT_EQ(z.CountByLex(r), 0u);  // the first member, b, is above [a
}

TEST(ZSetValueTest, SerializeRoundTripsBothEncodings) {
  EncodingLimits limits;
  for (int n : {3, 300}) {
    ZSetValue z;
    for (int i = 0; i < n; ++i) Add(z, "member:" + std::to_string(i), (i % 7) * 0.25 - 1);
    Add(z, "inf", INFINITY);
    std::string bytes;
    z.Serialize(&bytes);
    std::unique_ptr<Container> c = DeserializeContainer(ValueType::kZSet, bytes, limits);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->encoding(), z.encoding());
    EXPECT_EQ(All(static_cast<ZSetValue&>(*c)), All(z));
    EXPECT_EQ(DeserializeContainer(ValueType::kZSet, bytes.substr(0, bytes.size() - 1), limits),
              nullptr);
    EXPECT_EQ(DeserializeContainer(ValueType::kZSet, bytes + "x", limits), nullptr);
  }
  // A large set keeps -0 through a reload; one that fits a listpack is loaded as one.
  ZSetValue big;
  for (int i = 0; i < 200; ++i) Add(big, "m" + std::to_string(i), 1);
  Add(big, "neg", -0.0);
  std::string big_bytes;
  big.Serialize(&big_bytes);
  std::unique_ptr<ZSetValue> loaded = ZSetValue::Deserialize(big_bytes, limits);
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(std::signbit(*loaded->Score("neg")));
  for (int i = 0; i < 190; ++i) big.Remove("m" + std::to_string(i));
  big_bytes.clear();
  big.Serialize(&big_bytes);
  loaded = ZSetValue::Deserialize(big_bytes, limits);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->encoding(), Encoding::kListpack);
  EXPECT_FALSE(std::signbit(*loaded->Score("neg")));

  std::string dup;
  ZSetValue one;
  Add(one, "a", 1);
  one.Serialize(&dup);
  dup[0] = 2;  // claims two members
  dup += dup.substr(1);
  EXPECT_EQ(ZSetValue::Deserialize(dup, limits), nullptr);
}

TEST(ZSetValueTest, CloneIsIndependent) {
  for (int n : {5, 200}) {
    ZSetValue z;
    for (int i = 0; i < n; ++i) Add(z, std::to_string(i), i);
    std::unique_ptr<Container> c = z.Clone();
    auto& copy = static_cast<ZSetValue&>(*c);
    EXPECT_EQ(All(copy), All(z));
    EXPECT_EQ(copy.encoding(), z.encoding());
    z.Remove("1");
    EXPECT_EQ(copy.Size(), static_cast<size_t>(n));
    EXPECT_TRUE(copy.Score("1").has_value());
  }
}

TEST(ZSetValueTest, ScanVisitsEveryMemberOfALargeSet) {
  ZSetValue z;
  for (int i = 0; i < 1000; ++i) Add(z, "m" + std::to_string(i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = z.Scan(cursor, 10, [&](std::string_view m, double s) {
      EXPECT_EQ(s, std::stod(std::string(m.substr(1))));
      seen.emplace(m);
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
}

// The model: a std::set ordered like a sorted set plus a member -> score map.
struct Model {
  std::set<std::pair<double, std::string>> order;
  std::map<std::string, double> scores;

  std::vector<std::pair<std::string, double>> Items() const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [s, m] : order) out.emplace_back(m, s);
    return out;
  }
  void Set(const std::string& m, double s) {
    Remove(m);
    order.emplace(s, m);
    scores[m] = s;
  }
  void Remove(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return;
    order.erase({it->second, m});
    scores.erase(it);
  }
};

TEST(ZSetValueTest, RandomOperationsMatchModel) {
  std::mt19937_64 rng(12345);
  for (size_t max_entries : {8, 128}) {
    EncodingLimits limits;
    limits.zset_max_listpack_entries = max_entries;
    ZSetValue z;
    Model m;
    auto member = [&] {
      return std::string(1, static_cast<char>('a' + rng() % 26)) + std::to_string(rng() % 40);
    };
    auto score = [&] { return static_cast<double>(static_cast<int>(rng() % 21) - 10) / 2; };
    for (int step = 0; step < 4000; ++step) {
      int op = static_cast<int>(rng() % 10);
      if (op < 5) {
        std::string mem = member();
        double s = score();
        Add(z, mem, s, limits);
        m.Set(mem, s);
      } else if (op == 5) {
        std::string mem = member();
        z.Remove(mem);
        m.Remove(mem);
      } else if (op == 6 && z.Size() > 0) {
        size_t a = rng() % z.Size(), b = rng() % z.Size();
        if (a > b) std::swap(a, b);
        EXPECT_EQ(z.RemoveRangeByRank(a, b), b - a + 1);
        auto items = m.Items();
        for (size_t i = a; i <= b; ++i) m.Remove(items[i].first);
      } else if (op == 7) {
        ZScoreRange r{score(), score(), rng() % 2 == 0, rng() % 2 == 0};
        size_t expected = 0;
        for (const auto& [mem, s] : m.Items()) expected += r.AboveMin(s) && r.BelowMax(s);
        EXPECT_EQ(z.CountByScore(r), expected);
        if (rng() % 4 == 0) {
          EXPECT_EQ(z.RemoveRangeByScore(r), expected);
          for (const auto& [mem, s] : m.Items()) {
            if (r.AboveMin(s) && r.BelowMax(s)) m.Remove(mem);
          }
        } else {
          bool reverse = rng() % 2;
          int64_t offset = rng() % 4, count = static_cast<int64_t>(rng() % 6) - 1;
          Pairs want;
          auto items = m.Items();
          if (reverse) std::reverse(items.begin(), items.end());
          int64_t skipped = 0;
          for (const auto& [mem, s] : items) {
            if (!(r.AboveMin(s) && r.BelowMax(s))) continue;
            if (skipped++ < offset) continue;
            if (count >= 0 && static_cast<int64_t>(want.size()) >= count) break;
            want.emplace_back(mem, s);
          }
          Pairs got;
          z.RangeByScore(r, reverse, offset, count,
                         [&](std::string_view mm, double s) { got.emplace_back(mm, s); });
          EXPECT_EQ(got, want);
        }
      } else if (op == 8 && z.Size() > 0) {
        size_t a = rng() % z.Size(), b = rng() % z.Size();
        if (a > b) std::swap(a, b);
        bool reverse = rng() % 2;
        Pairs got, want;
        auto items = m.Items();
        for (size_t i = a; i <= b; ++i) want.push_back(items[i]);
        if (reverse) std::reverse(want.begin(), want.end());
        z.RangeByRank(a, b, reverse,
                      [&](std::string_view mm, double s) { got.emplace_back(mm, s); });
        EXPECT_EQ(got, want);
      } else if (op == 9) {
        std::string mem = member();
        int64_t rank = -1, i = 0;
        for (const auto& [mm, s] : m.Items()) {
          if (mm == mem) rank = i;
          ++i;
        }
        EXPECT_EQ(z.Rank(mem, false), rank);
        EXPECT_EQ(z.Rank(mem, true),
                  rank < 0 ? -1 : static_cast<int64_t>(m.scores.size()) - 1 - rank);
      }
      ASSERT_EQ(z.Size(), m.scores.size());
    }
    EXPECT_EQ(All(z), m.Items());
  }
}

TEST(ZSetValueTest, LexRangesOnEqualScores) {
  for (int n : {20, 200}) {
    ZSetValue z;
    std::vector<std::string> members;
    for (int i = 0; i < n; ++i) members.push_back("m" + std::to_string(1000 + i * 3));
    for (const std::string& m : members) Add(z, m, 0);
    ZLexRange r;
    ASSERT_TRUE(ParseZLexRange("(m1003", "[m1030", &r));
    std::vector<std::string> got;
    z.RangeByLex(r, false, 1, 3, [&](std::string_view m, double) { got.emplace_back(m); });
    EXPECT_EQ(got, (std::vector<std::string>{"m1009", "m1012", "m1015"}));
    got.clear();
    z.RangeByLex(r, true, 0, 2, [&](std::string_view m, double) { got.emplace_back(m); });
    EXPECT_EQ(got, (std::vector<std::string>{"m1030", "m1027"}));
    EXPECT_EQ(z.CountByLex(r), 9u);
    EXPECT_EQ(z.RemoveRangeByLex(r), 9u);
    EXPECT_EQ(z.Size(), static_cast<size_t>(n - 9));
    EXPECT_EQ(z.CountByLex(r), 0u);
  }
}

}  // namespace
}  // namespace cachet
