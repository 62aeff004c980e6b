// epoll-based event loop with posted tasks and periodic timers.
#include "net/event_loop.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "base/clock.h"
#include "base/logging.h"

namespace cachet {
namespace {

uint64_t CurrentThreadId() { return static_cast<uint64_t>(pthread_self()); }
int64_t MonotonicMs() { return MonotonicUs() / 1000; }

}  // namespace

EventLoop::EventLoop(int index) : index_(index) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the wake-up fd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

bool EventLoop::InLoopThread() const { return thread_id_.load() == CurrentThreadId(); }

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void EventLoop::Stop() {
  stop_requested_.store(true);
  Post([] {});
}

bool EventLoop::Watch(int fd, uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, EventHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Unwatch(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::AddPeriodic(int64_t interval_ms, std::function<void()> fn) {
  timers_.push_back({interval_ms, MonotonicMs() + interval_ms, std::move(fn)});
}

EventLoop::TimerHandle EventLoop::RunAfter(int64_t delay_ms, std::function<void()> fn) {
  TimerHandle handle{MonotonicMs() + std::max<int64_t>(delay_ms, 0), next_timer_seq_++};
  one_shots_.emplace(handle, std::move(fn));
  return handle;
}

void EventLoop::RunPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void EventLoop::RunTimers() {
  int64_t now = MonotonicMs();
  for (Timer& t : timers_) {
    if (now >= t.next_ms) {
      t.fn();
      t.next_ms = now + t.interval_ms;
    }
  }
  while (!one_shots_.empty() && one_shots_.begin()->first.first <= now) {
    std::function<void()> fn = std::move(one_shots_.begin()->second);
    one_shots_.erase(one_shots_.begin());
    fn();
  }
}

int EventLoop::NextTimeoutMs() const {
  if (timers_.empty() && one_shots_.empty()) return -1;
  int64_t now = MonotonicMs();
  int64_t next = INT64_MAX;
  for (const Timer& t : timers_) next = std::min(next, t.next_ms);
  if (!one_shots_.empty()) next = std::min(next, one_shots_.begin()->first.first);
  return static_cast<int>(std::clamp<int64_t>(next - now, 0, 1000));
}

void EventLoop::Run() {
  thread_id_.store(CurrentThreadId());
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stop_requested_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, NextTimeoutMs());
    if (n < 0 && errno != EINTR) {
      LOG_WARNING("epoll_wait failed: errno %d", errno);
      break;
    }
    for (int i = 0; i < n; ++i) {
      auto* handler = static_cast<EventHandler*>(events[i].data.ptr);
      if (handler == nullptr) {
        uint64_t count;
        ssize_t ignored = read(wake_fd_, &count, sizeof(count));
        (void)ignored;
        RunPosted();
        continue;
      }
      handler->OnEvent(events[i].events);
    }
    RunTimers();
    if (!deferred_.empty()) {
      std::vector<std::function<void()>> batch;
      batch.swap(deferred_);
      for (auto& fn : batch) fn();
    }
  }
  Drain();
}

void EventLoop::Drain() {
  RunPosted();
  std::vector<std::function<void()>> batch;
  batch.swap(deferred_);
  for (auto& fn : batch) fn();
}

}  // namespace cachet
