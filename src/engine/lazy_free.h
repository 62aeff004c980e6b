// LazyFreer: a background thread that frees flushed databases (FLUSHALL ASYNC, FLUSHDB ASYNC),
// so that dropping millions of keys does not stall clients.
// Thread-safety: Submit may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/shard.h"

namespace cachet {

class LazyFreer {
 public:
  LazyFreer();
  ~LazyFreer();  // frees what is still queued, then joins
  void Submit(std::vector<DbSlice> slices, uint64_t keys);
  uint64_t pending_keys() const { return pending_keys_.load(); }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::vector<DbSlice>, uint64_t>> queue_;
  bool stop_ = false;
  std::atomic<uint64_t> pending_keys_{0};
  std::thread thread_;
};

}  // namespace cachet
