// Command dispatch and the checks every command goes through.
#include "commands/dispatcher.h"

#include <cstdio>

#include "base/clock.h"
#include "commands/blocking.h"
#include "commands/client_registry.h"
#include "commands/command_stats.h"
#include "commands/errors.h"
#include "commands/pubsub_family.h"
#include "commands/pubsub_registry.h"
#include "commands/registry.h"
#include "commands/slowlog.h"
#include "commands/transaction.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

void ReplyUnknownCommand(ReplyBuilder& reply, ArgList args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    int room = 128 - static_cast<int>(list.size());
    list += "'" + std::string(args[i].substr(0, room)) + "' ";
  }
  reply.Error("ERR unknown command '" + std::string(args[0].substr(0, 128)) +
              "', with args beginning with: " + list);
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (isprint(c)) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[5];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

}  // namespace

std::string MonitorLine(int64_t now_us, int db, const std::string& addr, ArgList args) {
  char head[64];
  snprintf(head, sizeof(head), "%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
           static_cast<long long>(now_us % 1000000), db);
  std::string line = head;
  line += addr;
  line += "]";
  for (std::string_view a : args) {
    line.push_back(' ');
    AppendRepr(&line, a);
  }
  return line;
}

namespace {

// Replies to a command refused before it ran, as Redis's rejectCommand: inside MULTI the refusal
// dooms the transaction (its EXEC answers EXECABORT), and a refused EXEC discards the
// transaction at once, naming the reason.
void Reject(ServerContext& server, ClientState& client, ReplyBuilder& reply,
            const CommandSpec* target, std::string_view error) {
  if (target != nullptr && target->name == "exec") {
    DiscardTransaction(server, client);
    if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
    reply.Error("EXECABORT Transaction discarded because of: " + std::string(error));
    return;
  }
  if (client.transaction.active) client.transaction.aborted = true;
  reply.Error(error);
}

}  // namespace

void Dispatch(ServerContext& server, ClientState& client, ReplyBuilder& reply, ArgList args) {
  ThreadCounters& counters = CommandStats::Local();
  ThreadCounters::Bump(counters.commands_processed);
  const CommandSpec* spec = server.commands->Find(args[0]);
  if (spec == nullptr) {
    if (client.transaction.active) client.transaction.aborted = true;
    ReplyUnknownCommand(reply, args);
    return;
  }
  if (!ArityOk(spec->arity, args.size())) {
    ThreadCounters::Bump(counters.commands[spec->id].rejected);
    Reject(server, client, reply, spec,
           "ERR wrong number of arguments for '" + spec->name + "' command");
    return;
  }
  const CommandSpec* target = spec;
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandRegistry::FindSub(*spec, args[1]);
    if (sub == nullptr) {
      std::string upper = spec->name;
      for (char& c : upper) c = static_cast<char>(toupper(c));
      Reject(server, client, reply, nullptr,
             "ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try " + upper +
                 " HELP.");
      return;
    }
    if (!ArityOk(sub->arity, args.size())) {
      ThreadCounters::Bump(counters.commands[sub->id].rejected);
      Reject(server, client, reply, sub,
             "ERR wrong number of arguments for '" + spec->name + "|" + sub->name + "' command");
      return;
    }
    target = sub;
  }
  auto refuse = [&](std::string_view error) {
    ThreadCounters::Bump(counters.commands[target->id].rejected);
    Reject(server, client, reply, target, error);
  };
  if (!client.authenticated && !(target->flags & kCmdNoAuth) &&
      server.requirepass_set.load(std::memory_order_relaxed)) {
    refuse(errors::kNoAuth);
    return;
  }
  TransactionState& transaction = client.transaction;
  bool queue = transaction.active && !(target->flags & kCmdNotQueued);
  if (transaction.active && (target->flags & kCmdNoMulti)) {
    refuse("ERR Command not allowed inside a transaction");
    return;
  }
  // EXEC is judged by what it will run: a write refused, or out of memory, aborts it whole.
  uint32_t flags = target->flags;
  if (transaction.active && target->name == "exec") flags |= transaction.queued_flags;
  Engine& engine = *server.engine;
  if ((flags & kCmdWrite) && server.persistence != nullptr && !client.replaying) {
    std::string refused;
    if (server.persistence->WritesRefused(&refused)) {
      refuse(refused);
      return;
    }
  }
  // Queueing takes memory too, so under maxmemory a client inside MULTI is refused every command
  // but EXEC, DISCARD, QUIT and RESET (WATCH and a nested MULTI included), as in Redis.
  bool oom_checked =
      (flags & kCmdDenyOom) || (transaction.active && !(target->flags & kCmdEndsMulti));
  if (oom_checked && engine.maxmemory() > 0 && !client.replaying && !engine.EvictIfNeeded()) {
    refuse(errors::kOutOfMemory);
    return;
  }

  if (client.pubsub && reply.protocol() == 2 && !AllowedInSubscribedMode(*target)) {
    refuse("ERR Can't execute '" + target->full_name +
           "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
           "this context");
    return;
  }

  if (queue) {
    QueueCommand(client, target, args);
    reply.SimpleString("QUEUED");
    return;
  }
  Call(server, client, reply, target, args);
}

void Call(ServerContext& server, ClientState& client, ReplyBuilder& reply,
          const CommandSpec* target, ArgList args) {
  ThreadCounters& counters = CommandStats::Local();
  if (client.info != nullptr) {
    client.info->last_command.store(target->full_name.c_str(), std::memory_order_relaxed);
  }
  CommandContext ctx{server, client, reply, target};
  // Messages this command publishes to its own client go before its reply, as in Redis.
  PubSubRegistry::CurrentClient current(client.id, reply.buffer(), reply.protocol());
  uint64_t errors_before = reply.errors();
  int64_t start_ns = MonotonicNs();
  if (target->flags & kCmdWrite) {
    PropagationScope scope(&server.command_log, client.db, args);
    target->handler(ctx, args);
  } else {
    target->handler(ctx, args);
  }
  int64_t duration_ns = MonotonicNs() - start_ns;
  int64_t duration = duration_ns / 1000;
  if (!client.in_exec) ServeBlockedClients(server);

  ThreadCounters::Command& c = counters.commands[target->id];
  ThreadCounters::Bump(c.calls);
  ThreadCounters::Bump(c.usec, static_cast<uint64_t>(duration));
  ThreadCounters::RecordLatency(c, duration_ns);
  // Per namespace: the command's first key decides.
  if (const NamespaceIndex* index = server.engine->namespaces().Current()) {
    if (target->first_key > 0 && static_cast<size_t>(target->first_key) < args.size()) {
      if (const NamespaceSpec* ns = index->Match(args[target->first_key])) {
        ThreadCounters::RecordLatency(counters.namespace_latency[ns->slot], duration_ns);
      }
    }
  }
  if (reply.errors() != errors_before) ThreadCounters::Bump(c.failed);

  if (client.replaying) return;
  if (!(target->flags & kCmdSkipSlowlog)) {
    int64_t threshold = server.slowlog_threshold_us.load(std::memory_order_relaxed);
    if (threshold >= 0 && duration >= threshold) {
      auto handle = server.clients->Find(client.id);
      server.slowlog->Add(args, duration, handle ? handle->info().addr : "",
                          handle ? handle->info().name() : "",
                          static_cast<size_t>(server.slowlog_max_len.load()));
    }
  }
  if (server.clients->has_monitors() && !(target->flags & (kCmdSkipMonitor | kCmdAdmin))) {
    auto handle = server.clients->Find(client.id);
    std::string line = "+" +
                       MonitorLine(SystemClock::Get()->NowUs(), client.db,
                                   handle ? handle->info().addr : "", args) +
                       "\r\n";
    server.clients->FeedMonitors(line, client.id);
  }
}

}  // namespace cachet
