// Accept loop.
#include "net/listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/logging.h"
#include "net/socket_util.h"

namespace cachet {

Listener::Listener(EventLoop* loop, int listen_fd, AcceptCallback on_accept)
    : loop_(loop), fd_(listen_fd), on_accept_(std::move(on_accept)) {}

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

void Listener::Start() { loop_->Watch(fd_, EPOLLIN, this); }

void Listener::OnEvent(uint32_t events) {
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) LOG_WARNING("accept failed: errno %d", errno);
      return;
    }
    SetNoDelay(fd);
    on_accept_(fd);
  }
}

}  // namespace cachet
