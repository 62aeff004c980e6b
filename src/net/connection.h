// Connection: a non-blocking TCP connection owned by one EventLoop, with an input buffer that
// grows only as data arrives and an output buffer written with as few syscalls as possible.
// Subclasses (the RESP client, later the HTTP client) implement OnInput.
//
// Lifetime: held by shared_ptr; Close() unregisters the fd at once and releases the object at
// the end of the loop iteration, so handlers in flight never see a dangling pointer.
// Thread-safety: everything runs on the owning loop's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/event_loop.h"

namespace cachet {

class Connection : public EventHandler, public std::enable_shared_from_this<Connection> {
 public:
  Connection(EventLoop* loop, int fd);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading. Call once, on the loop thread, after the shared_ptr exists.
  void Start();

  EventLoop* loop() const { return loop_; }
  int fd() const { return fd_; }
  bool closed() const { return fd_ < 0; }

  std::string* output() { return &out_; }
  size_t pending_output() const { return out_.size() - out_sent_; }
  // Writes pending output now; arms EPOLLOUT for the rest.
  void Flush();
  // Closes now (idempotent). OnClosed runs at the end of the loop iteration.
  void Close();
  // Stops reading, writes what is pending, then closes.
  void CloseAfterReply();
  // Stops or resumes reading input (flow control).
  void SetReading(bool on);
  // Hands the input buffered so far to OnInput again (after a blocked client resumes), then
  // flushes.
  void ProcessBufferedInput();

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  size_t input_buffer_size() const { return in_.size(); }
  size_t input_buffer_capacity() const { return in_.capacity(); }
  size_t output_buffer_capacity() const { return out_.capacity(); }

 protected:
  // Handles buffered input; returns how many bytes of data were consumed.
  virtual size_t OnInput(std::string_view data) = 0;
  // Called once after the connection closed.
  virtual void OnClosed() {}
  // How many bytes the next read should make room for (a hint from the protocol parser).
  virtual size_t ReadHint() const { return 0; }
  // The query buffer limit: input beyond this closes the connection.
  virtual size_t MaxInputBuffer() const { return 1024ULL * 1024 * 1024; }

 private:
  void OnEvent(uint32_t events) override;
  void HandleReadable();
  // Runs OnInput on the buffered input and drops what it consumed. False if it closed.
  bool ConsumeInput();
  void UpdateInterest();

  EventLoop* loop_;
  int fd_;
  bool reading_ = true;
  bool want_write_ = false;
  bool close_after_reply_ = false;
  std::string in_;
  std::string out_;
  size_t out_sent_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace cachet
