// The compressed-value codec wrapper: round trips with both codecs, the 1/8 saving rule,
// empty and incompressible input staying raw, and damaged or short stored forms failing
// cleanly.
#include "core/compressed_value.h"

#include <gtest/gtest.h>

#include <random>

namespace cachet {
namespace {

std::string Json(size_t n) {
  std::string s = "[";
  for (int i = 0; s.size() < n; ++i) {
    s += "{\"id\":" + std::to_string(i) + ",\"name\":\"user" + std::to_string(i % 17) +
         "\",\"active\":true},";
  }
  s.resize(n);
  return s;
}

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(7);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class CodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecTest, RoundTrip) {
  for (size_t n : {300, 1000, 4096, 65536, 300000}) {
    std::string raw = Json(n);
    std::string stored, back;
    ASSERT_TRUE(CompressValue(raw, GetParam(), &stored)) << n;
    EXPECT_LE(stored.size(), raw.size() - raw.size() / 8);
    EXPECT_EQ(static_cast<uint8_t>(stored[0]), static_cast<uint8_t>(GetParam()));
    EXPECT_EQ(CompressedOriginalLength(stored), n);
    ASSERT_TRUE(DecompressValue(stored, &back));
    EXPECT_EQ(back, raw);
  }
}

TEST_P(CodecTest, ShortRepetitiveValues) {
  std::string stored, back;
  ASSERT_TRUE(CompressValue(std::string(64, 'a'), GetParam(), &stored));
  EXPECT_LT(stored.size(), 56u);
  ASSERT_TRUE(DecompressValue(stored, &back));
  EXPECT_EQ(back, std::string(64, 'a'));
}

TEST_P(CodecTest, EmptyAndIncompressibleStayRaw) {
  std::string stored;
  EXPECT_FALSE(CompressValue("", GetParam(), &stored));
  EXPECT_FALSE(CompressValue("abc", GetParam(), &stored));
  EXPECT_FALSE(CompressValue(RandomBytes(4096), GetParam(), &stored));
  // Compressible, but not by an eighth: half random, half repeated.
  std::string mixed = RandomBytes(1000) + std::string(80, 'a');
  EXPECT_FALSE(CompressValue(mixed, GetParam(), &stored));
}

TEST_P(CodecTest, DamagedInputFailsWithoutCrashing) {
  std::string stored, back = "junk";
  ASSERT_TRUE(CompressValue(Json(5000), GetParam(), &stored));
  EXPECT_FALSE(DecompressValue(stored.substr(0, 4), &back));  // shorter than the header
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(DecompressValue("", &back));
  EXPECT_FALSE(DecompressValue(stored.substr(0, stored.size() / 2), &back));  // truncated
  std::string longer = stored;
  longer[1] = static_cast<char>(longer[1] + 1);  // recorded length one more than the payload
  EXPECT_FALSE(DecompressValue(longer, &back));
  std::string shorter = stored;
  shorter[1] = static_cast<char>(shorter[1] - 1);
  EXPECT_FALSE(DecompressValue(shorter, &back));
  std::string huge = stored;
  huge[4] = static_cast<char>(0x7f);  // claims ~2 GB
  EXPECT_FALSE(DecompressValue(huge, &back));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {  // random bit flips in the payload never crash
    std::string flipped = stored;
    flipped[kCompressedHeaderSize + rng() % (flipped.size() - kCompressedHeaderSize)] ^=
        static_cast<char>(1 << (rng() % 8));
    if (DecompressValue(flipped, &back)) EXPECT_EQ(back.size(), 5000u);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecTest, ::testing::Values(Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(CompressedValueTest, UnknownCodecAndNames) {
  std::string stored, back;
  ASSERT_TRUE(CompressValue(Json(500), Codec::kLz4, &stored));
  stored[0] = 9;
  EXPECT_FALSE(DecompressValue(stored, &back));
  Codec c;
  EXPECT_TRUE(ParseCodec("LZ4", &c));
  EXPECT_EQ(c, Codec::kLz4);
  EXPECT_TRUE(ParseCodec("zstd", &c));
  EXPECT_EQ(c, Codec::kZstd);
  EXPECT_FALSE(ParseCodec("gzip", &c));
  EXPECT_FALSE(ParseCodec("", &c));
}

TEST(CompressedValueTest, Counters) {
  std::string stored;
  ASSERT_TRUE(CompressValue(Json(2000), Codec::kLz4, &stored));
  CompressionCounters c;
  c.Add(stored, 1);
  c.Add(stored, 1);
  EXPECT_EQ(c.keys, 2);
  EXPECT_EQ(c.stored_bytes, 2 * static_cast<int64_t>(stored.size()));
  EXPECT_EQ(c.original_bytes, 4000);
  c.Add(stored, -1);
  EXPECT_EQ(c.saved_bytes(), 2000 - static_cast<int64_t>(stored.size()));
}

}  // namespace
}  // namespace cachet
