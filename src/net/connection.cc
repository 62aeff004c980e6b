// Buffered non-blocking connection I/O.
#include "net/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/logging.h"

namespace cachet {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxReadChunk = 1024 * 1024;
constexpr size_t kKeepCapacity = 64 * 1024;

}  // namespace

Connection::Connection(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

void Connection::Start() { loop_->Watch(fd_, EPOLLIN, this); }

void Connection::UpdateInterest() {
  if (fd_ < 0) return;
  uint32_t events = (reading_ && !close_after_reply_ ? EPOLLIN : 0) | (want_write_ ? EPOLLOUT : 0);
  loop_->Modify(fd_, events, this);
}

void Connection::SetReading(bool on) {
  if (reading_ == on) return;
  reading_ = on;
  UpdateInterest();
}

void Connection::OnEvent(uint32_t events) {
  if (fd_ < 0) return;
  if (events & (EPOLLERR | EPOLLHUP)) {
    // Read what is left (the peer may have sent a command and closed), then close.
    if (events & EPOLLIN) HandleReadable();
    Close();
    return;
  }
  if (events & EPOLLOUT) Flush();
  if ((events & EPOLLIN) && fd_ >= 0) HandleReadable();
}

void Connection::HandleReadable() {
  while (fd_ >= 0 && reading_ && !close_after_reply_) {
    size_t want = std::clamp(ReadHint(), kReadChunk, kMaxReadChunk);
    size_t old_size = in_.size();
    in_.resize(old_size + want);
    ssize_t n = read(fd_, in_.data() + old_size, want);
    if (n <= 0) {
      in_.resize(old_size);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      Close();  // EOF or error
      return;
    }
    in_.resize(old_size + static_cast<size_t>(n));
    bytes_read_ += static_cast<uint64_t>(n);
    if (in_.size() > MaxInputBuffer()) {
      LOG_WARNING("Closing client that reached max query buffer length (%zu bytes)", in_.size());
      Close();
      return;
    }
    if (!ConsumeInput()) return;
    // One read per readiness event, as Redis does: a client streaming a long pipeline must
    // not starve the others on this loop (level-triggered epoll calls again for the rest).
    // Only a partially received large argument keeps reading, to assemble it quickly.
    if (static_cast<size_t>(n) < want || ReadHint() == 0) break;
  }
  Flush();
}

bool Connection::ConsumeInput() {
  size_t consumed = OnInput(in_);
  if (fd_ < 0) return false;
  if (consumed >= in_.size()) {
    in_.clear();
    if (in_.capacity() > kKeepCapacity) in_.shrink_to_fit();
  } else if (consumed > 0) {
    in_.erase(0, consumed);
  }
  return true;
}

void Connection::ProcessBufferedInput() {
  if (fd_ < 0) return;
  if (!in_.empty() && !ConsumeInput()) return;
  Flush();
}

void Connection::Flush() {
  while (fd_ >= 0 && out_sent_ < out_.size()) {
    ssize_t n = send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      Close();
      return;
    }
    out_sent_ += static_cast<size_t>(n);
    bytes_written_ += static_cast<uint64_t>(n);
  }
  if (fd_ < 0) return;
  bool pending = out_sent_ < out_.size();
  if (!pending) {
    out_.clear();
    out_sent_ = 0;
    if (out_.capacity() > kKeepCapacity) out_.shrink_to_fit();
    if (close_after_reply_) {
      Close();
      return;
    }
  } else if (out_sent_ > kKeepCapacity && out_sent_ * 2 > out_.size()) {
    out_.erase(0, out_sent_);
    out_sent_ = 0;
  }
  if (pending != want_write_) {
    want_write_ = pending;
    UpdateInterest();
  }
}

void Connection::Close() {
  if (fd_ < 0) return;
  loop_->Unwatch(fd_);
  close(fd_);
  fd_ = -1;
  loop_->Defer([self = shared_from_this()] { self->OnClosed(); });
}

void Connection::CloseAfterReply() {
  close_after_reply_ = true;
  UpdateInterest();
  Flush();
}

}  // namespace cachet
