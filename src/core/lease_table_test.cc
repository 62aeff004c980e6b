// LeaseTable (one lease per key, expiry, per-database removal, bounded deltas), the XFetch rule
// (edge cases and its probability), and StaleStore (ownership, windows, oldest first).
#include "core/lease_table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/stale_store.h"

namespace cachet {
namespace {

Lease Make(int db, std::string key, std::string token, uint64_t holder, int64_t expires) {
  Lease l;
  l.db = db;
  l.key = std::move(key);
  l.token = std::move(token);
  l.holder = holder;
  l.granted_ms = 0;
  l.expires_ms = expires;
  return l;
}

TEST(LeaseTableTest, OneLeasePerKeyAndDatabase) {
  LeaseTable t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.Find(0, "k"), nullptr);
  t.Put(Make(0, "k", "a", 7, 100));
  t.Put(Make(1, "k", "b", 8, 100));
  ASSERT_NE(t.Find(0, "k"), nullptr);
  EXPECT_EQ(t.Find(0, "k")->token, "a");
  EXPECT_EQ(t.Find(1, "k")->token, "b");
  uint64_t replaced = 0;
  t.Put(Make(0, "k", "c", 9, 100), &replaced);
  EXPECT_EQ(replaced, 7u);
  EXPECT_EQ(t.lease_count(), 2u);
  Lease out;
  EXPECT_TRUE(t.Remove(0, "k", &out));
  EXPECT_EQ(out.token, "c");
  EXPECT_FALSE(t.Remove(0, "k"));
  EXPECT_EQ(t.Find(0, "k"), nullptr);
  EXPECT_NE(t.Find(1, "k"), nullptr);
}

TEST(LeaseTableTest, RemoveExpiredAndRemoveDb) {
  LeaseTable t;
  t.Put(Make(0, "a", "1", 1, 100));
  t.Put(Make(0, "b", "2", 1, 200));
  t.Put(Make(3, "c", "3", 1, 300));
  std::vector<Lease> gone;
  t.RemoveExpired(99, &gone);
  EXPECT_TRUE(gone.empty());
  t.RemoveExpired(200, &gone);  // expires_ms <= now: gone
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_EQ(t.lease_count(), 1u);
  t.SetDelta(3, "c", 50);
  t.SetDelta(0, "c", 60);
  gone.clear();
  t.RemoveDb(3, &gone);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].key, "c");
  EXPECT_EQ(t.Delta(3, "c"), -1);
  EXPECT_EQ(t.Delta(0, "c"), 60);
  t.RemoveDb(-1, &gone);
  EXPECT_TRUE(t.empty());
}

TEST(LeaseTableTest, DeltasAreBounded) {
  LeaseTable t;
  EXPECT_EQ(t.Delta(0, "k"), -1);
  t.SetDelta(0, "k", -5);  // a clock step back never gives a negative delta
  EXPECT_EQ(t.Delta(0, "k"), 0);
  for (size_t i = 0; i < LeaseTable::kMaxDeltas + 100; ++i) t.SetDelta(0, std::to_string(i), 1);
  EXPECT_EQ(t.delta_count(), LeaseTable::kMaxDeltas);
  EXPECT_TRUE(t.ForgetDelta(0, std::to_string(LeaseTable::kMaxDeltas + 99)));
  EXPECT_FALSE(t.ForgetDelta(0, "absent"));
}

TEST(XFetchTest, EdgeCases) {
  // No delta, no beta or a bad random number: never early.
  EXPECT_FALSE(XFetchShouldRefresh(0, 10, 0, 1.0, 0.001));
  EXPECT_FALSE(XFetchShouldRefresh(0, 10, 100, 0.0, 0.001));
  EXPECT_FALSE(XFetchShouldRefresh(0, 10, 100, 1.0, 0.0));
  // r = 1: ln r = 0, so only a reader at or past the deadline refreshes.
  EXPECT_FALSE(XFetchShouldRefresh(9, 10, 100, 1.0, 1.0));
  EXPECT_TRUE(XFetchShouldRefresh(10, 10, 100, 1.0, 1.0));
  // Far from the deadline even the smallest r (2^-53: -ln r ~ 36.7) does not refresh.
  EXPECT_FALSE(XFetchShouldRefresh(0, 4000, 100, 1.0, 0x1.0p-53));
  EXPECT_TRUE(XFetchShouldRefresh(0, 3600, 100, 1.0, 0x1.0p-53));
}

TEST(XFetchTest, ProbabilityIsExpOfMinusGapOverDeltaBeta) {
  // P(refresh) = P(r <= exp(-(deadline - now) / (delta * beta))). Over an even grid of r:
  for (double x : {0.1, std::log(2.0), 2.0}) {
    const int64_t delta = 1000;
    const double beta = 2.0;
    const int64_t gap = static_cast<int64_t>(x * delta * beta);
    const int n = 100000;
    int hits = 0;
    for (int i = 1; i <= n; ++i) {
      hits += XFetchShouldRefresh(0, gap, delta, beta, static_cast<double>(i) / n);
    }
    double expected = std::exp(-static_cast<double>(gap) / (delta * beta));
    EXPECT_NEAR(static_cast<double>(hits) / n, expected, 0.001) << x;
  }
}

TEST(StaleStoreTest, KeepsEntriesUntilTakenAndFreesTheRest) {
  StaleStore s;
  Entry* a = Entry::CreateWith("a", "1", true);
  Entry* b = Entry::CreateWith("b", "2", true);
  Entry* c = Entry::CreateWith("c", "3", true);
  EXPECT_EQ(s.Put(0, a, 300), nullptr);
  EXPECT_EQ(s.Put(0, b, 100), nullptr);
  EXPECT_EQ(s.Put(1, c, 200), nullptr);
  ASSERT_NE(s.Find(0, "a"), nullptr);
  EXPECT_EQ(s.Find(0, "a")->stale_until_ms, 300);
  EXPECT_EQ(s.Find(1, "a"), nullptr);
  EXPECT_EQ(s.TakeOldest(), b);
  Entry::Destroy(b);
  std::vector<Entry*> due;
  s.TakeDue(200, &due);  // stale_until <= now
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], c);
  Entry::Destroy(c);
  Entry* a2 = Entry::CreateWith("a", "4", true);
  EXPECT_EQ(s.Put(0, a2, 400), a);  // replaced: the caller frees the old one
  Entry::Destroy(a);
  EXPECT_EQ(s.Take(0, "zz"), nullptr);
  Entry* d = Entry::CreateWith("d", "5", true);
  s.Put(2, d, 500);
  std::vector<Entry*> of_db;
  s.TakeDb(2, &of_db);
  ASSERT_EQ(of_db.size(), 1u);
  Entry::Destroy(of_db[0]);
  EXPECT_EQ(s.size(), 1u);  // a2 is freed by the destructor (ASan checks)
}

}  // namespace
}  // namespace cachet
