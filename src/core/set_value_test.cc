// SetValue tests: intset and hashtable encodings, one-way conversion at the limits, SSCAN
// cursors over a changing table, random members, clone and the snapshot round trip.
#include "core/set_value.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace cachet {
namespace {

std::vector<std::string> Members(const SetValue& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::set<std::string> SortedMembers(const SetValue& s) {
  std::vector<std::string> v = Members(s);
  return {v.begin(), v.end()};
}

TEST(SetValueTest, IntsetKeepsAscendingOrder) {
  EncodingLimits limits;
  SetValue s;
  EXPECT_TRUE(s.Add("10", limits));
  EXPECT_TRUE(s.Add("-5", limits));
  EXPECT_TRUE(s.Add("3", limits));
  EXPECT_FALSE(s.Add("3", limits));
  EXPECT_TRUE(s.Add("9223372036854775807", limits));
  EXPECT_TRUE(s.Add("-9223372036854775808", limits));
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  EXPECT_EQ(s.Size(), 5u);
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-9223372036854775808", "-5", "3", "10",
                                                  "9223372036854775807"}));
  EXPECT_TRUE(s.Contains("3"));
  EXPECT_FALSE(s.Contains("03"));
  EXPECT_FALSE(s.Contains("x"));
  EXPECT_TRUE(s.Remove("3"));
  EXPECT_FALSE(s.Remove("3"));
  EXPECT_FALSE(s.Remove("abc"));
  EXPECT_EQ(s.Size(), 4u);
}

TEST(SetValueTest, NonCanonicalIntegersConvert) {
  EncodingLimits limits;
  for (const char* m : {"007", "-0", "+1", " 1", "1 ", "9223372036854775808", "1.0", "", "a"}) {
    SetValue s;
    s.Add("1", limits);
    EXPECT_TRUE(s.Add(m, limits)) << m;
    EXPECT_EQ(s.encoding(), Encoding::kHashtable) << m;
    EXPECT_TRUE(s.Contains(m));
    EXPECT_TRUE(s.Contains("1"));
    EXPECT_EQ(s.Size(), 2u);
  }
}

TEST(SetValueTest, ConversionIsOneWay) {
  EncodingLimits limits;
  SetValue s;
  s.Add("1", limits);
  s.Add("a", limits);
  EXPECT_TRUE(s.Remove("a"));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_TRUE(s.Add("2", limits));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_EQ(SortedMembers(s), (std::set<std::string>{"1", "2"}));
}

TEST(SetValueTest, IntsetEntryLimit) {
  EncodingLimits limits;
  limits.set_max_intset_entries = 4;
  SetValue s;
  for (int i = 0; i < 4; ++i) s.Add(std::to_string(i), limits);
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  EXPECT_FALSE(s.Add("2", limits));  // a duplicate does not count
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  s.Add("4", limits);
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_EQ(s.Size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.Contains(std::to_string(i)));
}

TEST(SetValueTest, ClearReturnsToIntset) {
  EncodingLimits limits;
  SetValue s;
  s.Add("x", limits);
  s.Clear();
  EXPECT_EQ(s.Size(), 0u);
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  s.Add("5", limits);
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
}

TEST(SetValueTest, MemoryGrowsAndShrinks) {
  EncodingLimits limits;
  SetValue s;
  size_t empty = s.MemoryBytes();
  for (int i = 0; i < 1000; ++i) s.Add("member:" + std::to_string(i), limits);
  size_t full = s.MemoryBytes();
  EXPECT_GT(full, empty + 1000 * 8);
  for (int i = 0; i < 1000; ++i) s.Remove("member:" + std::to_string(i));
  EXPECT_LT(s.MemoryBytes(), full);
}

TEST(SetValueTest, ScanSurvivesChurn) {
  EncodingLimits limits;
  SetValue s;
  for (int i = 0; i < 2000; ++i) s.Add("m" + std::to_string(i), limits);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = s.Scan(cursor, 10, [&](std::string_view m) { seen.emplace(m); });
    // Grow and shrink the table between calls, touching only members not checked below.
    if (round % 3 == 0) {
      for (int i = 0; i < 50; ++i) s.Add("extra" + std::to_string(round * 50 + i), limits);
    } else {
      for (int i = 0; i < 50; ++i) s.Remove("extra" + std::to_string((round - 1) * 50 + i));
    }
    ++round;
  } while (cursor != 0);
  for (int i = 0; i < 2000; ++i) EXPECT_TRUE(seen.count("m" + std::to_string(i))) << i;
}

TEST(SetValueTest, IntsetScanReturnsAllAtOnce) {
  EncodingLimits limits;
  SetValue s;
  for (int i = 0; i < 100; ++i) s.Add(std::to_string(i), limits);
  size_t n = 0;
  EXPECT_EQ(s.Scan(0, 10, [&](std::string_view) { ++n; }), 0u);
  EXPECT_EQ(n, 100u);
}

TEST(SetValueTest, RandomMembersAreMembers) {
  EncodingLimits limits;
  SetValue ints, strs;
  for (int i = 0; i < 20; ++i) {
    ints.Add(std::to_string(i * 7), limits);
    strs.Add("s" + std::to_string(i), limits);
  }
  std::set<std::string> from_ints, from_strs;
  uint64_t r = 12345;
  for (int i = 0; i < 2000; ++i) {
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;
    from_ints.insert(ints.RandomMember(r));
    from_strs.insert(strs.RandomMember(r >> 7));
  }
  EXPECT_EQ(from_ints, SortedMembers(ints));
  EXPECT_EQ(from_strs, SortedMembers(strs));
}

TEST(SetValueTest, CloneIsDeep) {
  EncodingLimits limits;
  SetValue s;
  s.Add("a", limits);
  s.Add("1", limits);
  auto copy = s.Clone();
  s.Remove("a");
  auto* c = static_cast<SetValue*>(copy.get());
  EXPECT_EQ(c->Size(), 2u);
  EXPECT_TRUE(c->Contains("a"));
  EXPECT_EQ(c->encoding(), Encoding::kHashtable);
}

TEST(SetValueTest, SerializeRoundTrip) {
  EncodingLimits limits;
  SetValue ints, mixed;
  for (int i = -3; i < 3; ++i) ints.Add(std::to_string(i), limits);
  mixed.Add("x", limits);
  mixed.Add(std::string("\0bin\xff", 5), limits);
  mixed.Add("42", limits);
  for (const SetValue* s : {&ints, &mixed}) {
    std::string data;
    s->Serialize(&data);
    auto back = SetValue::Deserialize(data, limits);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->encoding(), s->encoding());
    EXPECT_EQ(SortedMembers(*back), SortedMembers(*s));
  }
  std::string data;
  mixed.Serialize(&data);
  EXPECT_EQ(SetValue::Deserialize(data.substr(0, data.size() - 1), limits), nullptr);
  EXPECT_EQ(SetValue::Deserialize(data + "x", limits), nullptr);
  EXPECT_EQ(SetValue::Deserialize("", limits), nullptr);
  EXPECT_EQ(SetValue::Deserialize(std::string("\x02\x01"
                                              "a\x01"
                                              "a",
                                              6),
                                  limits),
            nullptr);
}

TEST(SetValueTest, LoadingAllIntegersGivesIntset) {
  EncodingLimits limits;
  SetValue s;
  s.Add("a", limits);
  s.Add("1", limits);
  s.Remove("a");
  std::string data;
  s.Serialize(&data);
  auto back = SetValue::Deserialize(data, limits);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->encoding(), Encoding::kIntset);  // as Redis loads an all-integer set
}

}  // namespace
}  // namespace cachet
