// Log-linear bucket arithmetic and quantiles.
#include "core/latency_histogram.h"

#include <cmath>

namespace cachet {

int LatencyHistogram::BucketOf(int64_t ns) {
  if (ns < kExact) return ns < 0 ? 0 : static_cast<int>(ns);
  int octave = 63 - __builtin_clzll(static_cast<uint64_t>(ns));  // >= 4
  if (octave >= 4 + kOctaves) return kBuckets - 1;
  int sub = static_cast<int>((ns >> (octave - 3)) & (kSubBuckets - 1));
  return kExact + (octave - 4) * kSubBuckets + sub;
}

int64_t LatencyHistogram::BucketLow(int bucket) {
  if (bucket < kExact) return bucket;
  int octave = 4 + (bucket - kExact) / kSubBuckets;
  int sub = (bucket - kExact) % kSubBuckets;
  return (int64_t{1} << octave) + (static_cast<int64_t>(sub) << (octave - 3));
}

int64_t LatencyHistogram::BucketHigh(int bucket) {
  if (bucket < kExact) return bucket;
  int octave = 4 + (bucket - kExact) / kSubBuckets;
  return BucketLow(bucket) + (int64_t{1} << (octave - 3)) - 1;
}

void LatencyHistogram::AddTo(Counts* out) const {
  for (int i = 0; i < kBuckets; ++i) {
    uint64_t v = counts_[i].load(std::memory_order_relaxed);
    out->n[i] += v;
    out->total += v;
  }
}

void LatencyHistogram::Counts::Add(const Counts& other) {
  for (int i = 0; i < kBuckets; ++i) n[i] += other.n[i];
  total += other.total;
}

void LatencyHistogram::Counts::Subtract(const Counts& other) {
  for (int i = 0; i < kBuckets; ++i) n[i] -= other.n[i];
  total -= other.total;
}

int64_t LatencyHistogram::Counts::Quantile(double q) const {
  if (total == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += n[i];
    if (seen >= rank) return (BucketLow(i) + BucketHigh(i)) / 2;
  }
  return BucketHigh(kBuckets - 1);
}

}  // namespace cachet
