// Accept loop.
#include "net/listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "net/socket_util.h"

namespace cachet {

Listener::Listener(EventLoop* loop, int listen_fd, AcceptCallback on_accept)
    : loop_(loop), fd_(listen_fd), on_accept_(std::move(on_accept)) {}

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

void Listener::Start() { loop_->Watch(fd_, EPOLLIN, this); }

void Listener::ResumeIfPaused() {
  if (!paused_) return;
  paused_ = false;
  loop_->Modify(fd_, EPOLLIN, this);
}

void Listener::OnEvent(uint32_t events) {
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      int64_t now = MonotonicUs();
      if (now - last_error_log_us_ > 1'000'000) {  // at most one line a second
        LOG_WARNING("accept failed: %s", strerror(errno));
        last_error_log_us_ = now;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop polling the socket (it would report ready forever) until
        // the next timer tick, instead of spinning.
        paused_ = true;
        loop_->Modify(fd_, 0, this);
      }
      return;
    }
    SetNoDelay(fd);
    on_accept_(fd);
  }
}

}  // namespace cachet
