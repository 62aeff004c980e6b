// ClientConnection: one RESP client. Parses requests from the connection's input buffer,
// dispatches each command, and enforces the per-client limits (query buffer, output buffer,
// idle timeout). Implements ClientHandle so other threads can list, kill and feed it.
//
// Thread-safety: runs on its owning loop; RequestClose/Deliver may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/client_registry.h"
#include "commands/command.h"
#include "commands/server_context.h"
#include "net/connection.h"
#include "resp/parser.h"
#include "resp/reply_builder.h"
#include "server/persistence.h"

namespace cachet {

// Limits shared by all clients, cached from the config (updated by CONFIG SET).
struct ClientLimits {
  std::atomic<int64_t> max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int64_t> max_query_buffer{1024LL * 1024 * 1024};
  std::atomic<int64_t> output_hard{256LL * 1024 * 1024};
  std::atomic<int64_t> output_soft{64LL * 1024 * 1024};
  std::atomic<int64_t> output_soft_seconds{60};
  // The pubsub class, for clients in subscribed mode (Redis's default "pubsub 32mb 8mb 60").
  std::atomic<int64_t> pubsub_hard{32LL * 1024 * 1024};
  std::atomic<int64_t> pubsub_soft{8LL * 1024 * 1024};
  std::atomic<int64_t> pubsub_soft_seconds{60};
  std::atomic<int64_t> idle_timeout_s{0};
};

class ClientConnection : public Connection, public ClientHandle {
 public:
  ClientConnection(EventLoop* loop, int fd, uint64_t id, ServerContext* server,
                   const ClientLimits* limits, Persistence* persistence);

  ClientInfo& info() override { return info_; }
  void RequestClose() override;
  void Deliver(std::string bytes) override;
  void Unblock(std::string reply) override;

  // Called by the loop's cron: closes the client if it was idle longer than the timeout.
  void CheckIdle(int64_t now_ms);

 protected:
  size_t OnInput(std::string_view data) override;
  void OnClosed() override;
  size_t ReadHint() const override { return parser_.bytes_wanted(); }
  size_t MaxInputBuffer() const override {
    return static_cast<size_t>(limits_->max_query_buffer.load(std::memory_order_relaxed));
  }

 private:
  // After commands ran: output limits, monitor registration, statistics.
  void AfterCommands(int64_t now_ms);
  // Closes the client when its pending output is over its class's limits. Returns false then.
  bool CheckOutputLimits(int64_t now_ms);
  // On the loop: moves delivered messages into the output and flushes.
  void DrainInbox();
  // After a command parked this client (state_.blocked): flags it and arms its timeout.
  void StartBlocking();
  // On the loop: ends the wait with reply and resumes the pipelined input.
  void FinishBlocking(const std::string& reply);
  void OnBlockTimeout(const std::shared_ptr<BlockedClient>& blocked);
  // Forgets the wait: cancels its timer, clears the flag.
  void EndBlocking();
  std::shared_ptr<ClientConnection> self() {
    return std::static_pointer_cast<ClientConnection>(shared_from_this());
  }

  EventLoop::TimerHandle block_timer_{};
  ServerContext* server_;
  const ClientLimits* limits_;
  Persistence* persistence_;
  ClientInfo info_;
  ClientState state_;
  RespParser parser_;
  ReplyBuilder reply_;
  std::vector<std::string_view> args_;
  int64_t soft_limit_since_ms_ = 0;
  uint64_t reported_in_ = 0;
  uint64_t reported_out_ = 0;
  // Messages from other threads (Deliver), moved to the output by one posted task at a time.
  std::mutex inbox_mu_;
  std::string inbox_;
  bool inbox_posted_ = false;
};

}  // namespace cachet
