// Eviction tests: each policy evicts what it should, and OOM is reported when nothing can go.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.h"
#include "engine/key_access.h"

namespace cachet {
namespace {

class EvictionTest : public ::testing::Test {
 protected:
  EvictionTest() {
    EngineOptions o;
    o.clock = &clock_;
    o.maxmemory_samples = 10;
    engine_ = std::make_unique<Engine>(o);
  }
  void Set(const std::string& key, int64_t deadline = -1) {
    KeyAccess access(*engine_, key);
    access.SetString(0, key, std::string(100, 'v'), Encoding::kRaw, deadline);
  }
  bool Exists(const std::string& key) {
    KeyAccess access(*engine_, key);
    return access.Find(0, key) != nullptr;
  }
  void LimitTo(int64_t bytes_over_now) {
    engine_->RefreshMemory();
    engine_->set_maxmemory(engine_->UsedMemory() + bytes_over_now);
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EvictionTest, NoEvictionReportsOom) {
  for (int i = 0; i < 100; ++i) Set("k" + std::to_string(i));
  LimitTo(0);
  engine_->set_maxmemory(engine_->UsedMemory() - 1);
  EXPECT_FALSE(engine_->EvictIfNeeded());
  EXPECT_EQ(engine_->DbSize(0), 100u);
}

TEST_F(EvictionTest, AllKeysLruPrefersIdleKeys) {
  for (int i = 0; i < 2000; ++i) Set("old" + std::to_string(i));
  clock_.AdvanceMs(100'000);
  for (int i = 0; i < 200; ++i) Set("new" + std::to_string(i));
  engine_->set_policy(EvictionPolicy::kAllKeysLru);
  LimitTo(0);
  engine_->set_maxmemory(engine_->UsedMemory() - engine_->DatasetBytes() / 2);
  EXPECT_TRUE(engine_->EvictIfNeeded());
  int new_kept = 0;
  for (int i = 0; i < 200; ++i) new_kept += Exists("new" + std::to_string(i));
  EXPECT_GT(new_kept, 150);  // sampling approximates LRU, as Redis does
  EXPECT_GT(engine_->Totals().evicted_keys, 500u);
}

TEST_F(EvictionTest, VolatileEvictsOnlyKeysWithTtl) {
  for (int i = 0; i < 500; ++i) Set("p" + std::to_string(i));
  for (int i = 0; i < 500; ++i) Set("v" + std::to_string(i), clock_.NowMs() + 1'000'000 + i);
  engine_->set_policy(EvictionPolicy::kVolatileTtl);
  LimitTo(0);
  engine_->set_maxmemory(engine_->UsedMemory() - engine_->DatasetBytes() / 4);
  EXPECT_TRUE(engine_->EvictIfNeeded());
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(Exists("p" + std::to_string(i)));
  // Asking for more than the volatile keys can give is an OOM.
  engine_->set_maxmemory(engine_->UsedMemory() - engine_->DatasetBytes() * 3 / 4);
  EXPECT_FALSE(engine_->EvictIfNeeded());
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(Exists("p" + std::to_string(i)));
}

TEST_F(EvictionTest, AllKeysRandomAndLfu) {
  for (auto policy : {EvictionPolicy::kAllKeysRandom, EvictionPolicy::kAllKeysLfu,
                      EvictionPolicy::kVolatileRandom, EvictionPolicy::kVolatileLfu,
                      EvictionPolicy::kVolatileLru}) {
    engine_->FlushAll(false);
    for (int i = 0; i < 400; ++i) Set("k" + std::to_string(i), clock_.NowMs() + 100'000);
    engine_->set_policy(policy);
    LimitTo(0);
    engine_->set_maxmemory(engine_->UsedMemory() - engine_->DatasetBytes() / 2);
    EXPECT_TRUE(engine_->EvictIfNeeded()) << EvictionPolicyName(policy);
    EXPECT_LT(engine_->DbSize(0), 400u);
    engine_->set_maxmemory(0);
  }
}

}  // namespace
}  // namespace cachet
