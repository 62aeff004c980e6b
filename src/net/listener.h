// Listener: accepts connections on a listening socket watched by one loop and hands each new
// fd to a callback (which assigns it to a worker loop). Thread-safety: loop thread only.
#pragma once

#include <functional>

#include "net/event_loop.h"

namespace cachet {

class Listener : public EventHandler {
 public:
  using AcceptCallback = std::function<void(int fd)>;
  Listener(EventLoop* loop, int listen_fd, AcceptCallback on_accept);
  ~Listener() override;
  void Start();
  int fd() const { return fd_; }
  // Resumes accepting after a pause caused by running out of file descriptors (call
  // periodically from the loop's timer).
  void ResumeIfPaused();

 private:
  void OnEvent(uint32_t events) override;

  EventLoop* loop_;
  int fd_;
  AcceptCallback on_accept_;
  bool paused_ = false;
  int64_t last_error_log_us_ = 0;
};

}  // namespace cachet
