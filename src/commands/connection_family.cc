// Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET.
#include <string>

#include "base/numbers.h"
#include "commands/client_registry.h"
#include "commands/errors.h"
#include "commands/pubsub_family.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"
#include "commands/transaction.h"
#include "config/config.h"
#include "engine/engine.h"

namespace cachet {
namespace {

constexpr char kServerVersion[] = "7.0.15";  // the Redis version whose behaviour we implement

void CmdPing(CommandContext& ctx, ArgList args) {
  if (args.size() > 2) {
    ctx.reply.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.client.pubsub && ctx.reply.protocol() == 2) {
    // In RESP2 subscribed mode PING answers in the subscription reply shape.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(args.size() == 2 ? args[1] : "");
  } else if (args.size() == 1) {
    ctx.reply.SimpleString("PONG");
  } else {
    ctx.reply.Bulk(args[1]);
  }
}

void CmdEcho(CommandContext& ctx, ArgList args) { ctx.reply.Bulk(args[1]); }

// Checks a password against requirepass. Only the "default" user exists.
bool PasswordMatches(CommandContext& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  std::string expected = ctx.server.config->GetString("requirepass");
  // Compare without an early exit, so timing does not reveal a matching prefix.
  if (expected.size() != password.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ password[i]);
  return diff == 0;
}

void CmdAuth(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::string_view user = args.size() == 3 ? args[1] : "default";
  std::string_view password = args.back();
  if (args.size() == 2 && !ctx.server.requirepass_set.load()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return;
  }
  if (!ctx.server.requirepass_set.load() && user == "default") {
    ctx.client.authenticated = true;  // the default user has no password ("nopass")
    ctx.reply.Ok();
    return;
  }
  if (!PasswordMatches(ctx, user, password)) {
    ctx.reply.Error(errors::kWrongPass);
    return;
  }
  ctx.client.authenticated = true;
  ctx.reply.Ok();
}

void CmdHello(CommandContext& ctx, ArgList args) {
  int64_t version = ctx.reply.protocol();
  size_t j = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &version)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      ctx.reply.Error(errors::kNoProto);
      return;
    }
    j = 2;
  }
  std::string_view user, password, name;
  bool auth = false, setname = false;
  for (; j < args.size(); ++j) {
    size_t more = args.size() - j - 1;
    if (ArgIs(args[j], "auth") && more >= 2) {
      auth = true;
      user = args[j + 1];
      password = args[j + 2];
      j += 2;
    } else if (ArgIs(args[j], "setname") && more >= 1) {
      setname = true;
      name = args[j + 1];
      j += 1;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(args[j]) + "'");
      return;
    }
  }
  if (auth) {
    bool ok = ctx.server.requirepass_set.load() ? PasswordMatches(ctx, user, password)
                                                : user == "default";
    if (!ok) {
      ctx.reply.Error(errors::kWrongPass);
      return;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated && ctx.server.requirepass_set.load()) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  if (setname) {
    for (char c : name) {
      if (c < '!' || c > '~') {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
    ctx.client.info->set_name(std::string(name));
  }
  ctx.reply.set_protocol(static_cast<int>(version));
  ctx.client.info->resp.store(static_cast<int>(version));
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kServerVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(version);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

void CmdSelect(CommandContext& ctx, ArgList args) {
  int64_t db;
  if (!ParseInt32Arg(args[1], &db, ctx.reply)) return;
  if (db < 0 || db >= ctx.engine().databases()) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.db = static_cast<int>(db);
  ctx.client.info->db.store(ctx.client.db);
  ctx.reply.Ok();
}

void CmdQuit(CommandContext& ctx, ArgList) {
  ctx.client.close_after_reply = true;
  ctx.reply.Ok();
}

void CmdReset(CommandContext& ctx, ArgList) {
  ctx.client.db = 0;
  ctx.client.info->db.store(0);
  ctx.client.info->set_name("");
  ctx.reply.set_protocol(2);
  ctx.client.info->resp.store(2);
  ctx.client.authenticated = !ctx.server.requirepass_set.load();
  if (ctx.client.monitor) {
    ctx.client.monitor = false;
    ctx.client.info->monitor.store(false);
    ctx.server.clients->RemoveMonitor(ctx.client.id);
  }
  DropSubscriptions(ctx.server, ctx.client);
  DiscardTransaction(ctx.server, ctx.client);
  ctx.reply.SimpleString("RESET");
}

}  // namespace

void RegisterConnectionFamily(CommandRegistry& r) {
  const char* g = "connection";
  r.Add(MakeCommand(g, "ping", -1, kCmdFast, 0, 0, 0, "@fast @connection", "Ping the server",
                    "1.0.0", "O(1)", CmdPing));
  r.Add(MakeCommand(g, "echo", 2, kCmdFast, 0, 0, 0, "@fast @connection", "Echo the given string",
                    "1.0.0", "O(1)", CmdEcho));
  r.Add(MakeCommand(g, "auth", -2,
                    kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast |
                        kCmdSkipMonitor | kCmdSkipSlowlog,
                    0, 0, 0, "@fast @connection", "Authenticate to the server", "1.0.0",
                    "O(N) where N is the number of passwords defined for the user", CmdAuth));
  r.Add(MakeCommand(g, "hello", -1,
                    kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast |
                        kCmdSkipMonitor | kCmdSkipSlowlog,
                    0, 0, 0, "@fast @connection", "Handshake with Redis", "6.0.0", "O(1)",
                    CmdHello));
  r.Add(MakeCommand(g, "select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0,
                    "@fast @connection", "Change the selected database for the current connection",
                    "1.0.0", "O(1)", CmdSelect));
  r.Add(MakeCommand(g, "quit", -1,
                    kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNotQueued |
                        kCmdEndsMulti,
                    0, 0, 0, "@fast @connection", "Close the connection", "1.0.0", "O(1)",
                    CmdQuit));
  r.Add(MakeCommand(g, "reset", 1,
                    kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNotQueued |
                        kCmdEndsMulti,
                    0, 0, 0, "@fast @connection", "Reset the connection", "6.2.0", "O(1)",
                    CmdReset));
}

}  // namespace cachet
