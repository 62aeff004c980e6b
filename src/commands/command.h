// What a command is (CommandSpec: name, arity, flags, key positions, docs, handler) and what a
// handler gets when it runs (CommandContext: the server, the calling client, the reply
// builder). Every family registers its commands as CommandSpec rows; COMMAND output, arity
// checks and statistics all come from these rows.
//
// Thread-safety: CommandSpec is immutable after registration. CommandContext lives for one call
// on the client's loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/transaction_state.h"
#include "resp/reply_builder.h"

namespace cachet {

struct ServerContext;
struct ClientState;
class Engine;

using ArgList = std::span<const std::string_view>;  // args[0] is the command name

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubSub = 1u << 4,
  kCmdNoScript = 1u << 5,
  kCmdLoading = 1u << 6,
  kCmdStale = 1u << 7,
  kCmdSkipMonitor = 1u << 8,
  kCmdSkipSlowlog = 1u << 9,
  kCmdFast = 1u << 10,
  kCmdNoAuth = 1u << 11,
  kCmdMayReplicate = 1u << 12,
  kCmdNoMulti = 1u << 13,
  // Runs at once inside MULTI instead of being queued (MULTI EXEC DISCARD WATCH QUIT RESET).
  kCmdNotQueued = 1u << 14,
  kCmdBlocking = 1u << 15,
  // Ends a MULTI block (EXEC DISCARD QUIT RESET): exempt from the in-MULTI OOM refusal.
  kCmdEndsMulti = 1u << 16,
};

struct CommandContext;
using CommandHandler = void (*)(CommandContext& ctx, ArgList args);

struct CommandSpec {
  std::string name;  // lower case; subcommands are just "list", "setname", ...
  int arity = 0;     // > 0: exact argument count; < 0: at least -arity
  uint32_t flags = 0;
  int first_key = 0;
  int last_key = 0;
  int step = 0;
  std::string acl;  // "@keyspace @read @fast"
  std::string group;
  std::string summary;
  std::string since;
  std::string complexity;
  CommandHandler handler = nullptr;
  std::vector<CommandSpec> subcommands;
  // Assigned at registration.
  int id = -1;
  std::string full_name;  // "client|list" for subcommands
};

// Per-connection state that only the connection's own loop thread touches.
struct ClientInfo;
struct BlockedClient;

struct ClientState {
  uint64_t id = 0;
  ClientInfo* info = nullptr;  // the registry-visible part, owned by the connection
  int db = 0;
  bool authenticated = false;
  bool close_after_reply = false;
  bool monitor = false;
  // Set by a handler that needs the connection layer to act after the reply.
  bool become_monitor = false;
  // Replaying the append-only log at start-up: no OOM checks, slow log or MONITOR.
  bool replaying = false;
  // Pub/sub (pubsub_family.cc). Redis's CLIENT_PUBSUB: set by (P)SUBSCRIBE, cleared when an
  // unsubscribe leaves no subscription; in RESP2 it restricts the commands allowed.
  bool pubsub = false;
  std::set<std::string, std::less<>> channels;
  std::vector<std::string> patterns;  // in subscription order, as Redis 7.0 keeps them
  // True while EXEC runs the queued commands (transaction_family.cc): blocking commands must
  // not block then (they answer as on timeout), and serving clients blocked on keys waits
  // until the whole transaction has run.
  bool in_exec = false;
  TransactionState transaction;
  // Set by a blocking command (BLPOP, ...) that found no data: the connection parks the client
  // until it is served, times out or is unblocked (commands/blocking.h).
  std::shared_ptr<BlockedClient> blocked;
};

struct CommandContext {
  ServerContext& server;
  ClientState& client;
  ReplyBuilder& reply;
  const CommandSpec* command = nullptr;

  Engine& engine();
  int db() const { return client.db; }
};

// Case-insensitive comparison of an argument with a lower-case keyword.
bool ArgIs(std::string_view arg, std::string_view lower_keyword);

}  // namespace cachet
