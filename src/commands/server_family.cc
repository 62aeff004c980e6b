// Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME SLOWLOG MONITOR MEMORY SHUTDOWN.
#include <sys/time.h>

#include <string>

#include "base/numbers.h"
#include "commands/client_registry.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"
#include "commands/slowlog.h"
#include "engine/allocator_stats.h"
#include "engine/key_access.h"

namespace cachet {
namespace {

void CmdDbSize(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine().DbSize(ctx.db())));
}

// FLUSHDB / FLUSHALL [SYNC|ASYNC]. Returns false after replying a syntax error.
bool ParseFlushMode(CommandContext& ctx, ArgList args, bool* async) {
  *async = false;
  if (args.size() > 2) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  if (args.size() == 2) {
    if (ArgIs(args[1], "async")) {
      *async = true;
    } else if (!ArgIs(args[1], "sync")) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx, ArgList args) {
  bool async;
  if (!ParseFlushMode(ctx, args, &async)) return;
  ctx.engine().FlushDb(ctx.db(), async);
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx, ArgList args) {
  bool async;
  if (!ParseFlushMode(ctx, args, &async)) return;
  ctx.engine().FlushAll(async);
  if (ctx.server.persistence != nullptr) ctx.server.persistence->SaveAfterFlushAll();
  ctx.reply.Ok();
}

bool ParseDbIndex(std::string_view arg, const char* error, int64_t* out, ReplyBuilder& reply) {
  if (!ParseInt64(arg, out) || *out < INT32_MIN || *out > INT32_MAX) {
    reply.Error(error);
    return false;
  }
  return true;
}

void CmdSwapDb(CommandContext& ctx, ArgList args) {
  int64_t a, b;
  if (!ParseDbIndex(args[1], "ERR invalid first DB index", &a, ctx.reply) ||
      !ParseDbIndex(args[2], "ERR invalid second DB index", &b, ctx.reply)) {
    return;
  }
  int n = ctx.engine().databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  if (a != b) ctx.engine().SwapDb(static_cast<int>(a), static_cast<int>(b));
  ctx.reply.Ok();
}

void CmdTime(CommandContext& ctx, ArgList) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(tv.tv_sec));
  ctx.reply.Bulk(Int64ToString(tv.tv_usec));
}

void CmdSlowlogGet(CommandContext& ctx, ArgList args) {
  int64_t count = 10;
  if (args.size() == 3) {
    if (!ParseInt64(args[2], &count) || count < -1) {
      ctx.reply.Error("ERR count should be greater than or equal to -1");
      return;
    }
    if (count == -1) count = INT64_MAX;
  }
  std::vector<SlowLogEntry> entries = ctx.server.slowlog->Get(static_cast<size_t>(count));
  ctx.reply.ArrayHeader(entries.size());
  for (const SlowLogEntry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.timestamp_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void CmdSlowlogLen(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog->size()));
}

void CmdSlowlogReset(CommandContext& ctx, ArgList) {
  ctx.server.slowlog->Reset();
  ctx.reply.Ok();
}

void ReplyHelp(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

void CmdSlowlogHelp(CommandContext& ctx, ArgList) {
  ReplyHelp(ctx,
            {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
             "    Reset the slowlog.", "HELP", "    Print this help."});
}

void CmdMonitor(CommandContext& ctx, ArgList) {
  if (ctx.client.in_exec) {  // Redis: EXEC denies blocking, and MONITOR counts as blocking
    ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (!ctx.client.monitor) ctx.client.become_monitor = true;  // the connection registers it
  ctx.reply.Ok();
}

void CmdMemoryUsage(CommandContext& ctx, ArgList args) {
  for (size_t j = 3; j < args.size(); j += 2) {
    int64_t samples;
    if (ArgIs(args[j], "samples") && j + 1 < args.size()) {
      if (!ParseIntArg(args[j + 1], &samples, ctx.reply)) return;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  KeyAccess access(ctx.engine(), args[2]);
  Entry* e = access.Find(ctx.db(), args[2], false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  // The entry itself, its table slot, and its expiry index item if it has a TTL.
  int64_t bytes = static_cast<int64_t>(e->TotalBytes()) + 8 + (e->has_expire() ? 16 : 0);
  ctx.reply.Integer(bytes);
}

void CmdMemoryStats(CommandContext& ctx, ArgList) {
  AllocatorStats a = ReadAllocatorStats();
  Engine& engine = ctx.engine();
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("peak.allocated");
  ctx.reply.Integer(a.allocated);
  ctx.reply.Bulk("total.allocated");
  ctx.reply.Integer(a.allocated);
  ctx.reply.Bulk("dataset.bytes");
  ctx.reply.Integer(engine.DatasetBytes());
  ctx.reply.Bulk("keys.count");
  uint64_t keys = 0;
  for (int db = 0; db < engine.databases(); ++db) keys += engine.DbSize(db);
  ctx.reply.Integer(static_cast<int64_t>(keys));
  ctx.reply.Bulk("keys.bytes-per-key");
  ctx.reply.Integer(keys ? engine.DatasetBytes() / static_cast<int64_t>(keys) : 0);
  ctx.reply.Bulk("allocator");
  ctx.reply.Bulk(a.name);
}

void CmdMemoryHelp(CommandContext& ctx, ArgList) {
  ReplyHelp(ctx, {"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "STATS",
                  "    Return information about the memory usage of the server.",
                  "USAGE <key> [SAMPLES <count>]",
                  "    Return memory in bytes used by <key> and its value.", "HELP",
                  "    Print this help."});
}

void CmdShutdown(CommandContext& ctx, ArgList args) {
  ShutdownMode mode = ShutdownMode::kDefault;
  bool force = false;
  for (size_t j = 1; j < args.size(); ++j) {
    if (ArgIs(args[j], "nosave")) {
      mode = ShutdownMode::kNoSave;
    } else if (ArgIs(args[j], "save")) {
      mode = ShutdownMode::kSave;
    } else if (ArgIs(args[j], "force")) {
      force = true;
    } else if (!ArgIs(args[j], "now")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (ctx.server.persistence != nullptr && !ctx.server.persistence->PrepareShutdown(mode, force)) {
    ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  // Like Redis, a successful SHUTDOWN sends no reply: the connection just closes.
  ctx.client.close_after_reply = true;
  if (ctx.server.request_shutdown) ctx.server.request_shutdown(mode);
}

}  // namespace

void RegisterServerFamily(CommandRegistry& r) {
  const char* g = "server";
  r.Add(MakeCommand(g, "dbsize", 1, kCmdReadOnly | kCmdFast, 0, 0, 0, "@keyspace @read @fast",
                    "Return the number of keys in the selected database", "1.0.0", "O(1)",
                    CmdDbSize));
  r.Add(MakeCommand(g, "flushdb", -1, kCmdWrite, 0, 0, 0, "@keyspace @write @slow @dangerous",
                    "Remove all keys from the current database", "1.0.0", "O(N)", CmdFlushDb));
  r.Add(MakeCommand(g, "flushall", -1, kCmdWrite, 0, 0, 0, "@keyspace @write @slow @dangerous",
                    "Remove all keys from all databases", "1.0.0", "O(N)", CmdFlushAll));
  r.Add(MakeCommand(g, "swapdb", 3, kCmdWrite | kCmdFast, 0, 0, 0,
                    "@keyspace @write @fast @dangerous", "Swaps two Redis databases", "4.0.0",
                    "O(N)", CmdSwapDb));
  r.Add(MakeCommand(g, "time", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, "@fast",
                    "Return the current server time", "2.6.0", "O(1)", CmdTime));
  r.Add(MakeCommand(g, "monitor", 1, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0,
                    "@admin @slow @dangerous",
                    "Listen for all requests received by the server in real time", "1.0.0", "O(1)",
                    CmdMonitor));
  r.Add(MakeCommand(g, "shutdown", -1,
                    kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti, 0, 0, 0,
                    "@admin @slow @dangerous",
                    "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
                    "O(N)", CmdShutdown));
  r.Add(MakeContainer(g, "slowlog", "A container for slow log commands", "2.2.12",
                      {MakeCommand(g, "get", -2, kCmdAdmin | kCmdLoading | kCmdStale, 0, 0, 0,
                                   "@admin @slow @dangerous", "Get the slow log's entries",
                                   "2.2.12", "O(N)", CmdSlowlogGet),
                       MakeCommand(g, "len", 2, kCmdAdmin | kCmdLoading | kCmdStale, 0, 0, 0,
                                   "@admin @slow @dangerous", "Get the slow log's length", "2.2.12",
                                   "O(1)", CmdSlowlogLen),
                       MakeCommand(g, "reset", 2, kCmdAdmin | kCmdLoading | kCmdStale, 0, 0, 0,
                                   "@admin @slow @dangerous", "Clear all entries from the slow log",
                                   "2.2.12", "O(N)", CmdSlowlogReset),
                       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                                   "Show helpful text about the different subcommands", "6.2.0",
                                   "O(1)", CmdSlowlogHelp)}));
  r.Add(MakeContainer(
      g, "memory", "A container for memory diagnostics commands", "4.0.0",
      {MakeCommand(g, "usage", -3, kCmdReadOnly, 2, 2, 1, "@read @slow",
                   "Estimate the memory usage of a key", "4.0.0", "O(N)", CmdMemoryUsage),
       MakeCommand(g, "stats", 2, 0, 0, 0, 0, "@slow", "Show memory usage details", "4.0.0", "O(1)",
                   CmdMemoryStats),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                   "Show helpful text about the different subcommands", "4.0.0", "O(1)",
                   CmdMemoryHelp)}));
}

}  // namespace cachet
