// InvalidationWorker: the thread that runs big invalidations (TAG.INVALIDATE, INVALIDATE TAG /
// PATTERN / EVENT) off the I/O threads. The calling client is parked like a blocked client
// while its invalidation runs here, batch by batch under one shard lock at a time, so the
// other clients of its I/O thread are served meanwhile instead of waiting for the whole
// command; the reply is delivered when the invalidation ends (after the append-only log holds
// its DEL records). One job at a time, in submission order.
//
// Thread-safety: Submit may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace cachet {

class InvalidationWorker {
 public:
  InvalidationWorker();
  // Stops the thread after the running job; queued jobs are dropped (their clients are
  // disconnecting with the server).
  ~InvalidationWorker();
  InvalidationWorker(const InvalidationWorker&) = delete;
  InvalidationWorker& operator=(const InvalidationWorker&) = delete;

  void Submit(std::function<void()> job);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cachet
