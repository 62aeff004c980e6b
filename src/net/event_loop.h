// EventLoop: one epoll loop per worker thread. Watches file descriptors through EventHandler
// objects, runs periodic timers, and runs functions posted from other threads (woken through
// an eventfd). No engine dependency.
//
// Thread-safety: Post() and Stop() may be called from any thread; everything else only from the
// loop's own thread (or before Run()).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace cachet {

class EventHandler {
 public:
  virtual ~EventHandler() = default;
  // events is an EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP mask.
  virtual void OnEvent(uint32_t events) = 0;
};

class EventLoop {
 public:
  explicit EventLoop(int index);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int index() const { return index_; }
  // Runs until Stop(); then runs what is still posted and returns.
  void Run();
  void Stop();
  // Runs posted and deferred work without waiting for events (after the loop has stopped).
  void Drain();
  void Post(std::function<void()> fn);
  bool InLoopThread() const;

  bool Watch(int fd, uint32_t events, EventHandler* handler);
  bool Modify(int fd, uint32_t events, EventHandler* handler);
  void Unwatch(int fd);

  // Calls fn every interval_ms on this loop's thread.
  void AddPeriodic(int64_t interval_ms, std::function<void()> fn);
  // Calls fn once, delay_ms from now, on this loop's thread (blocking-command timeouts).
  // Returns a handle for CancelTimer. Loop thread only.
  using TimerHandle = std::pair<int64_t, uint64_t>;  // (due time, sequence)
  TimerHandle RunAfter(int64_t delay_ms, std::function<void()> fn);
  // Drops a one-shot timer that has not fired yet (a no-op once it has). Loop thread only.
  void CancelTimer(const TimerHandle& handle) { one_shots_.erase(handle); }
  // Runs fn at the end of the current iteration (after all events were handled); used to free
  // objects that may still be referenced by pending events.
  void Defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

 private:
  struct Timer {
    int64_t interval_ms;
    int64_t next_ms;
    std::function<void()> fn;
  };
  class Waker;

  void RunPosted();
  void RunTimers();
  int NextTimeoutMs() const;

  const int index_;
  int epoll_fd_;
  int wake_fd_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> thread_id_{0};
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<Timer> timers_;
  std::map<TimerHandle, std::function<void()>> one_shots_;  // by due time (monotonic ms)
  uint64_t next_timer_seq_ = 0;
  std::vector<std::function<void()>> deferred_;
};

}  // namespace cachet
