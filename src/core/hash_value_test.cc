// HashValue tests: listpack and hashtable encodings, conversion at the limits, clone, the
// snapshot round trip, and the memory of a small hash.
#include "core/hash_value.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace cachet {
namespace {

std::map<std::string, std::string> Pairs(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

TEST(HashValueTest, ListpackSetGetDelete) {
  EncodingLimits limits;
  HashValue h;
  EXPECT_TRUE(h.Set("a", "1", limits));
  EXPECT_TRUE(h.Set("b", "2", limits));
  EXPECT_FALSE(h.Set("a", "longer value", limits));
  EXPECT_EQ(h.encoding(), Encoding::kListpack);
  EXPECT_EQ(h.Size(), 2u);
  EXPECT_EQ(h.Get("a"), "longer value");
  EXPECT_EQ(h.Get("missing"), std::nullopt);
  EXPECT_TRUE(h.Delete("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_EQ(Pairs(h), (std::map<std::string, std::string>{{"b", "2"}}));
}

TEST(HashValueTest, ConvertsPastEntryAndValueLimits) {
  EncodingLimits limits;
  limits.hash_max_listpack_entries = 4;
  HashValue h;
  for (int i = 0; i < 4; ++i) h.Set("f" + std::to_string(i), std::to_string(i), limits);
  EXPECT_EQ(h.encoding(), Encoding::kListpack);
  h.Set("f4", "4", limits);
  EXPECT_EQ(h.encoding(), Encoding::kHashtable);
  EXPECT_EQ(h.Size(), 5u);
  EXPECT_EQ(h.Get("f2"), "2");

  HashValue big;
  big.Set("x", std::string(limits.hash_max_listpack_value + 1, 'v'), limits);
  EXPECT_EQ(big.encoding(), Encoding::kHashtable);
}

TEST(HashValueTest, CloneAndSnapshotRoundTrip) {
  EncodingLimits limits;
  for (int n : {3, 600}) {
    HashValue h;
    for (int i = 0; i < n; ++i) h.Set("field:" + std::to_string(i), std::to_string(i * 7), limits);
    auto copy = h.Clone();
    h.Set("field:0", "changed", limits);
    EXPECT_EQ(static_cast<HashValue*>(copy.get())->Get("field:0"), "0");
    std::string blob;
    copy->Serialize(&blob);
    auto back = HashValue::Deserialize(blob, limits);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(Pairs(*back), Pairs(*static_cast<HashValue*>(copy.get())));
    EXPECT_EQ(back->encoding(), static_cast<size_t>(n) > limits.hash_max_listpack_entries
                                    ? Encoding::kHashtable
                                    : Encoding::kListpack);
  }
  EXPECT_EQ(HashValue::Deserialize("garbage", limits), nullptr);
}

TEST(HashValueTest, SmallHashIsCompact) {
  EncodingLimits limits;
  HashValue h;
  for (int f = 1; f <= 5; ++f)
    h.Set("f" + std::to_string(f), "0000000" + std::to_string(f), limits);
  // One 48-byte object plus a listpack buffer of 60 bytes in the allocator's next size class.
  EXPECT_EQ(sizeof(HashValue), 48u);
  EXPECT_LT(h.MemoryBytes(), 48u + 60u + 16u);
}

}  // namespace
}  // namespace cachet
