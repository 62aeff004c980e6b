// Command and server counters, kept per thread (single writer, relaxed atomics, no contention
// on the hot path) and summed when INFO asks. CONFIG RESETSTAT records a baseline instead of
// writing other threads' counters.
// Thread-safety: Local() returns the calling thread's block; Totals() may run anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/latency_histogram.h"
#include "core/namespace_index.h"

namespace cachet {

inline constexpr int kMaxCommandIds = 512;

struct CommandCounters {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
};

class ThreadCounters {
 public:
  static void Bump(std::atomic<uint64_t>& a, uint64_t n = 1) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  struct Command {
    std::atomic<uint64_t> calls{0}, usec{0}, rejected{0}, failed{0};
    // Allocated on the command's first call on this thread (most threads run few commands).
    std::atomic<LatencyHistogram*> latency{nullptr};
  };
  // Per namespace slot, allocated on first use like the command histograms.
  std::atomic<LatencyHistogram*> namespace_latency[kMaxNamespaces] = {};
  // Records one call's duration. REQUIRES: the calling thread owns this block.
  static void RecordLatency(std::atomic<LatencyHistogram*>& slot, int64_t ns) {
    LatencyHistogram* h = slot.load(std::memory_order_relaxed);
    if (h == nullptr) {
      h = new LatencyHistogram();  // lives as long as the block: the process
      slot.store(h, std::memory_order_release);
    }
    h->Record(ns);
  }
  static void RecordLatency(Command& c, int64_t ns) { RecordLatency(c.latency, ns); }
  Command commands[kMaxCommandIds];
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> error_replies{0};
};

struct ServerTotals {
  uint64_t commands_processed = 0;
  uint64_t error_replies = 0;
  std::vector<CommandCounters> commands;  // indexed by command id
};

class CommandStats {
 public:
  // The calling thread's counters, created on first use and kept for the process lifetime.
  static ThreadCounters& Local();
  // Sum over all threads, minus the baseline of the last Reset().
  static ServerTotals Totals();
  static void Reset();
  // Durations of command id over all threads since the last Reset().
  static LatencyHistogram::Counts Latency(int id);
  // Durations of every command.
  static LatencyHistogram::Counts AllLatency();
  // Durations of commands whose first key is in namespace slot, since ResetNamespace(slot).
  static LatencyHistogram::Counts NamespaceLatency(int slot);
  static void ResetNamespace(int slot);

 private:
  static ServerTotals RawTotals();
};

}  // namespace cachet
