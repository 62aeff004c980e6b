// Tests for the public embedded API.
#include <cachet/cachet.h>
#include <gtest/gtest.h>

#include <thread>

namespace cachet {

TEST(EmbeddedCacheTest, SetGetTtlDelete) {
  std::string error;
  auto cache = EmbeddedCache::Open({}, &error);
  ASSERT_NE(cache, nullptr) << error;
  EXPECT_TRUE(cache->Set("a", "1"));
  EXPECT_EQ(cache->Get("a").value(), "1");
  EXPECT_EQ(cache->TtlMs("a"), -1);
  EXPECT_EQ(cache->TtlMs("missing"), -2);
  EXPECT_TRUE(cache->Expire("a", std::chrono::seconds(10)));
  EXPECT_GT(cache->TtlMs("a"), 9000);
  EXPECT_TRUE(cache->Set("b", "2", std::chrono::milliseconds(1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(cache->Get("b").has_value());
  EXPECT_TRUE(cache->Delete("a"));
  EXPECT_EQ(cache->Size(), 0u);
  EXPECT_EQ(cache->DatasetBytes(), 0);
}

TEST(EmbeddedCacheTest, RejectsBadOptions) {
  std::string error;
  EXPECT_EQ(EmbeddedCache::Open({.maxmemory_policy = "most-recent"}, &error), nullptr);
  EXPECT_NE(error.find("most-recent"), std::string::npos);
  EXPECT_EQ(EmbeddedCache::Open({.databases = 0}, &error), nullptr);
}

TEST(EmbeddedCacheTest, EvictsUnderMaxmemory) {
  std::string error;
  const int64_t limit = 64 * 1024;
  auto cache = EmbeddedCache::Open({.maxmemory = limit, .maxmemory_policy = "allkeys-lru"}, &error);
  ASSERT_NE(cache, nullptr);
  // The limit is checked before each write, as Redis does: memory stays within one write of it.
  std::string value(200, 'v');
  for (int i = 0; i < 5000; ++i) EXPECT_TRUE(cache->Set("k" + std::to_string(i), value));
  EXPECT_LE(cache->DatasetBytes(), limit + 4096);
  EXPECT_LT(cache->Size(), 5000u);
  EXPECT_TRUE(cache->Get("k4999").has_value());  // the newest write is kept
  auto strict = EmbeddedCache::Open({.maxmemory = limit}, &error);
  int stored = 0;
  while (strict->Set("s" + std::to_string(stored), value) && stored < 10000) ++stored;
  EXPECT_LT(stored, 10000);  // noeviction: writes are refused once over the limit
  EXPECT_EQ(strict->Size(), static_cast<uint64_t>(stored));
}

}  // namespace cachet
