// LatencyHistogram: bucket bounds tile the range, relative error stays within 1/16, quantiles
// over known distributions, and window subtraction.
#include "core/latency_histogram.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogramTest, BucketsTileTheRange) {
  for (int b = 0; b + 1 < H::kBuckets; ++b) {
    EXPECT_EQ(H::BucketHigh(b) + 1, H::BucketLow(b + 1)) << b;
    EXPECT_EQ(H::BucketOf(H::BucketLow(b)), b);
    EXPECT_EQ(H::BucketOf(H::BucketHigh(b)), b);
  }
  for (int64_t v : {int64_t{17}, int64_t{1000}, int64_t{123456}, int64_t{987654321}}) {
    int b = H::BucketOf(v);
    double mid = (H::BucketLow(b) + H::BucketHigh(b)) / 2.0;
    EXPECT_LT(std::abs(mid - static_cast<double>(v)) / static_cast<double>(v), 1.0 / 16) << v;
  }
  EXPECT_EQ(H::BucketOf(-5), 0);
  EXPECT_EQ(H::BucketOf(INT64_MAX), H::kBuckets - 1);
}

TEST(LatencyHistogramTest, QuantilesOfAUniformDistribution) {
  H h;
  for (int64_t v = 1; v <= 100000; ++v) h.Record(v * 10);  // 10 ns .. 1 ms
  H::Counts c;
  h.AddTo(&c);
  EXPECT_EQ(c.total, 100000u);
  auto near = [](int64_t got, double want) { return std::abs(got - want) / want < 0.07; };
  EXPECT_TRUE(near(c.Quantile(0.5), 500000)) << c.Quantile(0.5);
  EXPECT_TRUE(near(c.Quantile(0.99), 990000)) << c.Quantile(0.99);
  EXPECT_TRUE(near(c.Quantile(0.999), 999000)) << c.Quantile(0.999);
  H::Counts empty;
  EXPECT_EQ(empty.Quantile(0.5), 0);
}

TEST(LatencyHistogramTest, WindowBySubtraction) {
  H h;
  for (int i = 0; i < 1000; ++i) h.Record(100);
  H::Counts before;
  h.AddTo(&before);
  for (int i = 0; i < 10; ++i) h.Record(1'000'000);
  H::Counts now;
  h.AddTo(&now);
  now.Subtract(before);
  EXPECT_EQ(now.total, 10u);
  EXPECT_GT(now.Quantile(0.5), 900'000);
}

}  // namespace
}  // namespace cachet
