// TTL commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME PEXPIRETIME
// PERSIST.
#include <string>

#include "base/numbers.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "engine/key_access.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

enum ExpireFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

bool ParseExpireFlags(ArgList args, int* flags, ReplyBuilder& reply) {
  for (size_t j = 3; j < args.size(); ++j) {
    if (ArgIs(args[j], "nx")) {
      *flags |= kNx;
    } else if (ArgIs(args[j], "xx")) {
      *flags |= kXx;
    } else if (ArgIs(args[j], "gt")) {
      *flags |= kGt;
    } else if (ArgIs(args[j], "lt")) {
      *flags |= kLt;
    } else {
      reply.Error("ERR Unsupported option " + std::string(args[j]));
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

void ExpireGeneric(CommandContext& ctx, ArgList args, bool seconds, bool absolute) {
  int flags = 0;
  if (!ParseExpireFlags(args, &flags, ctx.reply)) return;
  int64_t when;
  if (!ParseIntArg(args[2], &when, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  const std::string invalid = "ERR invalid expire time in '" + ctx.command->name + "' command";
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ctx.reply.Error(invalid);
      return;
    }
    when *= 1000;
  }
  int64_t base = absolute ? 0 : access.now();
  if (when > INT64_MAX - base) {
    ctx.reply.Error(invalid);
    return;
  }
  when += base;
  Entry* e = access.Find(ctx.db(), args[1], false);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t current = access.DeadlineOf(ctx.db(), e);
  bool has_ttl = current != KeyAccess::kNoDeadline;
  if (((flags & kNx) && has_ttl) || ((flags & kXx) && !has_ttl) ||
      ((flags & kGt) && (!has_ttl || when <= current)) ||
      ((flags & kLt) && has_ttl && when >= current)) {
    ctx.reply.Integer(0);
    return;
  }
  if (when <= access.now()) {
    if (PropagationScope::Logging()) PropagationScope::Rewrite({"DEL", std::string(args[1])});
    access.DeleteEntry(ctx.db(), e);
    access.Notify(kNotifyGeneric, "del", ctx.db(), args[1]);
  } else {
    if (PropagationScope::Logging()) {
      PropagationScope::Rewrite({"PEXPIREAT", std::string(args[1]), Int64ToString(when)});
    }
    access.SetDeadline(ctx.db(), e, when);
    access.Notify(kNotifyGeneric, "expire", ctx.db(), args[1]);
  }
  ctx.reply.Integer(1);
}

void CmdExpire(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, true, false); }
void CmdPExpire(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, false, false); }
void CmdExpireAt(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, true, true); }
void CmdPExpireAt(CommandContext& ctx, ArgList args) { ExpireGeneric(ctx, args, false, true); }

void TtlGeneric(CommandContext& ctx, ArgList args, bool ms, bool absolute) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.Find(ctx.db(), args[1], false);
  if (e == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  int64_t deadline = access.DeadlineOf(ctx.db(), e);
  if (deadline == KeyAccess::kNoDeadline) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t ttl = absolute ? deadline : deadline - access.now();
  if (ttl < 0) ttl = 0;
  ctx.reply.Integer(ms ? ttl : ttl / 1000 + (ttl % 1000 >= 500 ? 1 : 0));  // no overflow
}

void CmdTtl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, false, false); }
void CmdPTtl(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, true, false); }
void CmdExpireTime(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, false, true); }
void CmdPExpireTime(CommandContext& ctx, ArgList args) { TtlGeneric(ctx, args, true, true); }

void CmdPersist(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.Find(ctx.db(), args[1], false);
  if (e == nullptr || !e->has_expire()) {
    ctx.reply.Integer(0);
    return;
  }
  access.SetDeadline(ctx.db(), e, KeyAccess::kNoDeadline);
  access.Notify(kNotifyGeneric, "persist", ctx.db(), args[1]);
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterExpireFamily(CommandRegistry& r) {
  const char* g = "generic";
  const uint32_t kW = kCmdWrite | kCmdFast;
  const uint32_t kR = kCmdReadOnly | kCmdFast;
  const char* w = "@keyspace @write @fast";
  const char* rd = "@keyspace @read @fast";
  r.Add(MakeCommand(g, "expire", -3, kW, 1, 1, 1, w, "Set a key's time to live in seconds", "1.0.0",
                    "O(1)", CmdExpire));
  r.Add(MakeCommand(g, "pexpire", -3, kW, 1, 1, 1, w, "Set a key's time to live in milliseconds",
                    "2.6.0", "O(1)", CmdPExpire));
  r.Add(MakeCommand(g, "expireat", -3, kW, 1, 1, 1, w,
                    "Set the expiration for a key as a UNIX timestamp", "1.2.0", "O(1)",
                    CmdExpireAt));
  r.Add(MakeCommand(g, "pexpireat", -3, kW, 1, 1, 1, w,
                    "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                    "2.6.0", "O(1)", CmdPExpireAt));
  r.Add(MakeCommand(g, "ttl", 2, kR, 1, 1, 1, rd, "Get the time to live for a key in seconds",
                    "1.0.0", "O(1)", CmdTtl));
  r.Add(MakeCommand(g, "pttl", 2, kR, 1, 1, 1, rd, "Get the time to live for a key in milliseconds",
                    "2.6.0", "O(1)", CmdPTtl));
  r.Add(MakeCommand(g, "expiretime", 2, kR, 1, 1, 1, rd,
                    "Get the expiration Unix timestamp for a key", "7.0.0", "O(1)", CmdExpireTime));
  r.Add(MakeCommand(g, "pexpiretime", 2, kR, 1, 1, 1, rd,
                    "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "O(1)",
                    CmdPExpireTime));
  r.Add(MakeCommand(g, "persist", 2, kW, 1, 1, 1, w, "Remove the expiration from a key", "2.2.0",
                    "O(1)", CmdPersist));
}

}  // namespace cachet
