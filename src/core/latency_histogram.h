// LatencyHistogram: counts of durations in log-linear buckets (exact below 16 ns, then 8
// buckets per power of two, so a reported percentile is within 1/16 of the true value, up to
// about 18 minutes), small enough to keep one per command per thread. Single writer: the owning
// thread records with relaxed atomics; any thread may read a consistent-enough copy.
//
// Thread-safety: Record from one thread; Snapshot/merging from any.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace cachet {

class LatencyHistogram {
 public:
  static constexpr int kExact = 16;
  static constexpr int kSubBuckets = 8;
  static constexpr int kOctaves = 37;  // 2^4 .. 2^40 ns
  static constexpr int kBuckets = kExact + kOctaves * kSubBuckets;

  // A plain copy that can be merged, subtracted and queried.
  struct Counts {
    std::array<uint64_t, kBuckets> n{};
    uint64_t total = 0;
    void Add(const Counts& other);
    void Subtract(const Counts& other);  // other must be an earlier copy of the same counts
    // The q-quantile (0 < q <= 1) in nanoseconds, the midpoint of its bucket; 0 when empty.
    int64_t Quantile(double q) const;
  };

  static int BucketOf(int64_t ns);
  // The smallest and largest duration a bucket holds.
  static int64_t BucketLow(int bucket);
  static int64_t BucketHigh(int bucket);

  void Record(int64_t ns) {
    auto& c = counts_[BucketOf(ns)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void AddTo(Counts* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
};

}  // namespace cachet
