// The RESP client connection.
#include "server/client_connection.h"

#include "base/clock.h"
#include "base/logging.h"
#include "commands/blocking.h"
#include "commands/command_stats.h"
#include "commands/dispatcher.h"
#include "commands/lease_wait.h"
#include "commands/pubsub_family.h"
#include "commands/transaction.h"
#include "net/socket_util.h"

namespace cachet {

ClientConnection::ClientConnection(EventLoop* loop, int fd, uint64_t id, ServerContext* server,
                                   const ClientLimits* limits, Persistence* persistence)
    : Connection(loop, fd),
      server_(server),
      limits_(limits),
      persistence_(persistence),
      reply_(output()) {
  info_.id = id;
  info_.fd = fd;
  info_.addr = PeerAddress(fd);
  info_.laddr = LocalAddress(fd);
  info_.created_ms = SystemClock::Get()->NowMs();
  info_.last_interaction_ms.store(info_.created_ms);
  state_.id = id;
  state_.info = &info_;
  state_.authenticated = !server->requirepass_set.load();
}

void ClientConnection::RequestClose() {
  std::weak_ptr<Connection> weak = weak_from_this();
  loop()->Post([weak] {
    if (auto c = weak.lock()) c->Close();
  });
}

void ClientConnection::Deliver(std::string bytes) {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.append(bytes);
    if (inbox_posted_) return;  // the task already posted will take these bytes too
    inbox_posted_ = true;
  }
  std::weak_ptr<Connection> weak = weak_from_this();
  loop()->Post([weak] {
    if (auto c = weak.lock()) static_cast<ClientConnection*>(c.get())->DrainInbox();
  });
}

void ClientConnection::Unblock(std::string reply) {
  std::weak_ptr<Connection> weak = weak_from_this();
  loop()->Post([weak, reply = std::move(reply)] {
    if (auto c = weak.lock()) static_cast<ClientConnection*>(c.get())->FinishBlocking(reply);
  });
}

void ClientConnection::StartBlocking() {
  info_.blocked.store(true, std::memory_order_relaxed);
  int64_t deadline = state_.blocked->deadline_ms;
  if (deadline == 0) return;
  std::weak_ptr<Connection> weak = weak_from_this();
  std::weak_ptr<BlockedClient> weak_blocked = state_.blocked;
  block_timer_ = loop()->RunAfter(deadline - MonotonicUs() / 1000, [weak, weak_blocked] {
    auto c = weak.lock();
    auto blocked = weak_blocked.lock();
    if (c && blocked) static_cast<ClientConnection*>(c.get())->OnBlockTimeout(blocked);
  });
}

void ClientConnection::EndBlocking() {
  // A wait that ended otherwise must not leave its timer queued until the timeout.
  if (state_.blocked->deadline_ms != 0) loop()->CancelTimer(block_timer_);
  state_.blocked.reset();
  info_.blocked.store(false, std::memory_order_relaxed);
}

void ClientConnection::OnBlockTimeout(const std::shared_ptr<BlockedClient>& blocked) {
  if (state_.blocked != blocked || !server_->blocking->Claim(blocked)) return;
  std::string reply;
  ReplyBuilder builder(&reply);
  builder.set_protocol(blocked->protocol);
  if (blocked->kind == BlockedClient::Kind::kFetch) {
    std::shared_ptr<BlockedClient> again = FetchWaitTimedOut(*server_, *blocked, builder);
    if (again) {  // a new lease is in the way and WAIT has not ended: wait on
      state_.blocked = std::move(again);
      StartBlocking();
      return;
    }
  } else {
    ReplyBlockTimeout(*blocked, builder);
  }
  FinishBlocking(reply);
}

void ClientConnection::FinishBlocking(const std::string& reply) {
  if (closed() || !state_.blocked) return;
  EndBlocking();
  output()->append(reply);
  info_.last_interaction_ms.store(SystemClock::Get()->NowMs(), std::memory_order_relaxed);
  ProcessBufferedInput();
}

void ClientConnection::DrainInbox() {
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    bytes.swap(inbox_);
    inbox_posted_ = false;
  }
  if (closed()) return;
  output()->append(bytes);
  Flush();
  info_.output_pending.store(pending_output(), std::memory_order_relaxed);
  CheckOutputLimits(SystemClock::Get()->NowMs());
}

size_t ClientConnection::OnInput(std::string_view data) {
  ParserLimits limits;
  limits.max_bulk_len = limits_->max_bulk_len.load(std::memory_order_relaxed);
  if (state_.blocked) return 0;  // the rest waits until the blocking command ends
  size_t offset = 0;
  bool ran = false;
  while (offset < data.size() && !state_.close_after_reply) {
    // Per command: an AUTH earlier in the same packet lifts the pre-AUTH limits.
    limits.unauthenticated =
        !state_.authenticated && server_->requirepass_set.load(std::memory_order_relaxed);
    parser_.set_limits(limits);
    size_t consumed = 0;
    RespParser::Status status = parser_.Parse(data.substr(offset), &args_, &consumed);
    if (status == RespParser::Status::kNeedMore) break;
    if (status == RespParser::Status::kError) {
      LOG_VERBOSE("Protocol error from client id=%llu addr=%s: %s",
                  static_cast<unsigned long long>(info_.id), info_.addr.c_str(),
                  parser_.error().c_str());
      reply_.Error("ERR " + parser_.error());
      CloseAfterReply();
      return data.size();
    }
    if (!args_.empty()) {
      Dispatch(*server_, state_, reply_, args_);
      ran = true;
      ThreadCounters::Bump(info_.commands);
      if (state_.become_monitor) {
        state_.become_monitor = false;
        state_.monitor = true;
        info_.monitor.store(true);
        server_->clients->AddMonitor(self());
      }
    }
    offset += consumed;
    if (state_.blocked) {
      StartBlocking();
      break;
    }
    // Stop parsing when a single client has produced a lot of output: flush first.
    if (pending_output() > static_cast<size_t>(limits_->output_hard.load()) &&
        limits_->output_hard.load() > 0) {
      break;
    }
  }
  if (ran) {
    // Logged writes reach the file (and disk, with appendfsync always) before any reply.
    persistence_->WriteOut();
    int64_t now = SystemClock::Get()->NowMs();
    info_.last_interaction_ms.store(now, std::memory_order_relaxed);
    AfterCommands(now);
  }
  if (state_.close_after_reply) CloseAfterReply();
  return offset;
}

void ClientConnection::AfterCommands(int64_t now_ms) {
  info_.query_buffer.store(input_buffer_size(), std::memory_order_relaxed);
  info_.output_pending.store(pending_output(), std::memory_order_relaxed);
  uint64_t in = bytes_read(), out = bytes_written();
  server_->connections.net_input_bytes.fetch_add(in - reported_in_, std::memory_order_relaxed);
  server_->connections.net_output_bytes.fetch_add(out - reported_out_, std::memory_order_relaxed);
  reported_in_ = in;
  reported_out_ = out;
  info_.net_in.store(in, std::memory_order_relaxed);
  info_.net_out.store(out, std::memory_order_relaxed);

  CheckOutputLimits(now_ms);
}

bool ClientConnection::CheckOutputLimits(int64_t now_ms) {
  int64_t pending = static_cast<int64_t>(pending_output());
  const bool pubsub = state_.pubsub;  // Redis's pubsub client class
  int64_t hard = pubsub ? limits_->pubsub_hard.load() : limits_->output_hard.load();
  int64_t soft = pubsub ? limits_->pubsub_soft.load() : limits_->output_soft.load();
  int64_t soft_seconds =
      pubsub ? limits_->pubsub_soft_seconds.load() : limits_->output_soft_seconds.load();
  bool over_hard = hard > 0 && pending > hard;
  bool over_soft = false;
  if (soft > 0 && pending > soft) {
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now_ms;
    over_soft = now_ms - soft_limit_since_ms_ > soft_seconds * 1000;
  } else {
    soft_limit_since_ms_ = 0;
  }
  if (over_hard || over_soft) {
    LOG_WARNING(
        "Client id=%llu addr=%s closed for overcoming of output buffer limits "
        "(%lld bytes pending).",
        static_cast<unsigned long long>(info_.id), info_.addr.c_str(),
        static_cast<long long>(pending));
    Close();
    return false;
  }
  return true;
}

void ClientConnection::CheckIdle(int64_t now_ms) {
  if (closed()) return;
  // A slow reader stuck over the soft output limit is checked here too.
  if (pending_output() > 0) AfterCommands(now_ms);
  int64_t timeout = limits_->idle_timeout_s.load();
  // As in Redis, subscribers are never closed for being idle.
  if (timeout <= 0 || state_.monitor || state_.pubsub || state_.blocked || closed()) return;
  if (now_ms - info_.last_interaction_ms.load() > timeout * 1000) {
    LOG_VERBOSE("Closing idle client id=%llu", static_cast<unsigned long long>(info_.id));
    Close();
  }
}

void ClientConnection::OnClosed() {
  if (state_.blocked) {
    server_->blocking->Claim(state_.blocked);
    EndBlocking();
  }
  DropSubscriptions(*server_, state_);
  DiscardTransaction(*server_, state_);
  ReleaseClientLeases(*server_, info_.id);  // the next waiter or caller gets them at once
  server_->clients->Remove(info_.id);
}

}  // namespace cachet
