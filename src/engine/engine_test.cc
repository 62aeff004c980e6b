// Engine tests on a fake clock: strings, TTLs (lazy and active expiry), accounting, flush,
// SWAPDB, SCAN and RANDOMKEY.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/key_access.h"

namespace cachet {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine_(MakeOptions()) {}
  EngineOptions MakeOptions() {
    EngineOptions o;
    o.clock = &clock_;
    return o;
  }
  void Set(const std::string& key, const std::string& value, int64_t deadline = -1, int db = 0) {
    KeyAccess access(engine_, key);
    access.SetString(db, key, value, ChooseStringEncoding(value), deadline);
  }
  std::string Get(const std::string& key, int db = 0) {
    KeyAccess access(engine_, key);
    Entry* e = access.FindRead(db, key);
    return e ? std::string(e->value()) : "<nil>";
  }

  FakeClock clock_;
  Engine engine_;
};

TEST_F(EngineTest, SetGetOverwrite) {
  Set("a", "1");
  EXPECT_EQ(Get("a"), "1");
  Set("a", std::string(1000, 'x'));
  EXPECT_EQ(Get("a"), std::string(1000, 'x'));
  Set("a", "short");
  EXPECT_EQ(Get("a"), "short");
  EXPECT_EQ(Get("missing"), "<nil>");
  EXPECT_EQ(engine_.DbSize(0), 1u);
  EngineTotals t = engine_.Totals();
  EXPECT_EQ(t.keyspace_hits, 3u);
  EXPECT_EQ(t.keyspace_misses, 1u);
}

TEST_F(EngineTest, EncodingChoice) {
  EXPECT_EQ(ChooseStringEncoding("123"), Encoding::kInt);
  EXPECT_EQ(ChooseStringEncoding("-0"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding("abc"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(std::string(44, 'a')), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(std::string(45, 'a')), Encoding::kRaw);
}

TEST_F(EngineTest, LazyExpiryOnRead) {
  int64_t now = clock_.NowMs();
  Set("t", "v", now + 100);
  clock_.AdvanceMs(100);
  EXPECT_EQ(Get("t"), "v");  // alive while now == deadline, as in Redis
  clock_.AdvanceMs(1);
  EXPECT_EQ(Get("t"), "<nil>");
  EXPECT_EQ(engine_.DbSize(0), 0u);
  EXPECT_EQ(engine_.Totals().expired_keys, 1u);
}

TEST_F(EngineTest, ActiveExpiryRemovesWithoutReadsAndReportsLag) {
  int64_t now = clock_.NowMs();
  for (int i = 0; i < 1000; ++i) Set("k" + std::to_string(i), "v", now + 50);
  Set("keep", "v", now + 100000);
  clock_.AdvanceMs(60);
  size_t removed = engine_.ActiveExpire(0, 1, 1'000'000);
  EXPECT_EQ(removed, 1000u);
  EXPECT_EQ(engine_.DbSize(0), 1u);
  EngineTotals t = engine_.Totals();
  EXPECT_EQ(t.expired_active, 1000u);
  EXPECT_EQ(t.expired_lag_max_ms, 10);
}

TEST_F(EngineTest, DeadlineChangesAndPersist) {
  Set("k", "v");
  {
    KeyAccess access(engine_, "k");
    Entry* e = access.Find(0, "k");
    EXPECT_EQ(access.DeadlineOf(0, e), KeyAccess::kNoDeadline);
    e = access.SetDeadline(0, e, clock_.NowMs() + 5000);
    EXPECT_EQ(access.DeadlineOf(0, e), clock_.NowMs() + 5000);
    e = access.SetDeadline(0, e, KeyAccess::kNoDeadline);
    EXPECT_FALSE(e->has_expire());
    EXPECT_EQ(e->value(), "v");
  }
  // KEEPTTL semantics.
  Set("t", "v", clock_.NowMs() + 1000);
  Set("t", "w", KeyAccess::kKeepDeadline);
  KeyAccess access(engine_, "t");
  Entry* e = access.Find(0, "t");
  EXPECT_EQ(access.DeadlineOf(0, e), clock_.NowMs() + 1000);
}

TEST_F(EngineTest, MemoryAccountingReturnsToZero) {
  int64_t base = engine_.DatasetBytes();
  EXPECT_EQ(base, 0);
  for (int i = 0; i < 5000; ++i)
    Set("key:" + std::to_string(i), std::string(i % 300, 'v'),
        i % 2 ? clock_.NowMs() + 100000 : -1);
  EXPECT_GT(engine_.DatasetBytes(), 5000 * 16);
  for (int i = 0; i < 5000; ++i) {
    std::string k = "key:" + std::to_string(i);
    KeyAccess access(engine_, k);
    EXPECT_TRUE(access.Delete(0, k));
  }
  EXPECT_EQ(engine_.DatasetBytes(), 0);
}

TEST_F(EngineTest, FlushAndSwap) {
  Set("a", "1", -1, 0);
  Set("b", "2", -1, 1);
  engine_.SwapDb(0, 1);
  EXPECT_EQ(Get("b", 0), "2");
  EXPECT_EQ(Get("a", 1), "1");
  engine_.FlushDb(0, false);
  EXPECT_EQ(engine_.DbSize(0), 0u);
  EXPECT_EQ(engine_.DbSize(1), 1u);
  for (int i = 0; i < 1000; ++i) Set("x" + std::to_string(i), "v", -1, 2);
  engine_.FlushAll(true);
  EXPECT_EQ(engine_.DbSize(1), 0u);
  EXPECT_EQ(engine_.DbSize(2), 0u);
  EXPECT_EQ(engine_.DatasetBytes(), 0);
}

TEST_F(EngineTest, ScanVisitsEveryKeyOnce) {
  std::set<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    keys.insert("s" + std::to_string(i));
    Set("s" + std::to_string(i), "v");
  }
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = engine_.Scan(0, cursor, 10, [&](const Entry* e) { seen.emplace(e->key()); });
    ++calls;
  } while (cursor != 0 && calls < 100000);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), keys);
  EXPECT_EQ(seen.size(), keys.size());  // no churn: no duplicates
  EXPECT_GT(calls, 100);
}

TEST_F(EngineTest, ScanSkipsAndRemovesExpired) {
  Set("live", "v");
  Set("dead", "v", clock_.NowMs() + 1);
  clock_.AdvanceMs(5);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = engine_.Scan(0, cursor, 100, [&](const Entry* e) { seen.emplace(e->key()); });
  } while (cursor != 0);
  EXPECT_EQ(seen, std::set<std::string>{"live"});
  EXPECT_EQ(engine_.DbSize(0), 1u);
}

TEST_F(EngineTest, RandomKey) {
  EXPECT_FALSE(engine_.RandomKey(0).has_value());
  Set("only", "v");
  EXPECT_EQ(engine_.RandomKey(0).value(), "only");
}

}  // namespace
}  // namespace cachet
