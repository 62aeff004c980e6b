// Clock: wall-clock milliseconds used for TTLs, with a controllable FakeClock for tests.
// Thread-safety: SystemClock is stateless; FakeClock uses an atomic and may be shared.
#pragma once

#include <atomic>
#include <cstdint>

namespace cachet {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (wall clock: EXPIREAT is absolute).
  virtual int64_t NowMs() const = 0;
  // Microseconds since the Unix epoch.
  virtual int64_t NowUs() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
  static SystemClock* Get();
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  int64_t NowMs() const override { return now_us_.load() / 1000; }
  int64_t NowUs() const override { return now_us_.load(); }
  void AdvanceMs(int64_t ms) { now_us_.fetch_add(ms * 1000); }
  void SetMs(int64_t ms) { now_us_.store(ms * 1000); }

 private:
  std::atomic<int64_t> now_us_;
};

// Monotonic microseconds, for measuring durations (latency, slowlog).
int64_t MonotonicUs();
int64_t MonotonicNs();

}  // namespace cachet
