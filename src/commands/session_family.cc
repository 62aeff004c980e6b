// Session commands (docs/sessions.md): SESSION.CREATE GET SET TOUCH DESTROY DESTROYALL LIST
// COUNT STATS, and the replay forms SESSION.RESTORE and SESSION.TOUCHAT. The SessionStore
// (engine/session_store.h) does the work; this file parses, validates and replies.
#include <string>

#include "base/numbers.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "core/json_check.h"
#include "engine/engine.h"

namespace cachet {
namespace {

constexpr size_t kMaxUserLen = 512;
constexpr size_t kMaxIpLen = 128;
constexpr size_t kMaxUserAgentLen = 1024;
constexpr int64_t kMaxSeconds = int64_t{100} * 365 * 24 * 3600;  // 100 years

SessionStore& Sessions(CommandContext& ctx) { return ctx.engine().sessions(); }

// Replies with the error and returns false unless data may be stored as session data.
bool ValidData(CommandContext& ctx, std::string_view data) {
  if (static_cast<int64_t>(data.size()) > Sessions(ctx).max_data_bytes()) {
    ctx.reply.Error(errors::kSessionDataTooLarge);
    return false;
  }
  std::string detail;
  switch (CheckJsonObject(data, &detail)) {
    case JsonCheck::kObject:
      return true;
    case JsonCheck::kNotAnObject:
      ctx.reply.Error(errors::kSessionDataNotObject);
      return false;
    case JsonCheck::kTooDeep:
      ctx.reply.Error(errors::kSessionDataTooDeep);
      return false;
    case JsonCheck::kInvalid:
      ctx.reply.Error(errors::kSessionDataInvalid + detail);
      return false;
  }
  return false;
}

// Parses a TTL in seconds (>= min_seconds) into milliseconds.
bool ParseSeconds(CommandContext& ctx, std::string_view arg, int64_t min_seconds, int64_t* ms) {
  int64_t seconds;
  if (!ParseIntArg(arg, &seconds, ctx.reply)) return false;
  if (seconds < min_seconds || seconds > kMaxSeconds) {
    ctx.reply.Error(errors::kSessionBadTtl);
    return false;
  }
  *ms = seconds * 1000;
  return true;
}

// The field names of a session reply, as RESP bulk strings: the same bytes in RESP2 and
// RESP3, written once here instead of formatted for every SESSION.GET.
constexpr std::string_view kIdField = "$2\r\nid\r\n";
constexpr std::string_view kUserField = "$4\r\nuser\r\n";
constexpr std::string_view kDataField = "$4\r\ndata\r\n";
constexpr std::string_view kCreatedField = "$10\r\ncreated_at\r\n";
constexpr std::string_view kLastActiveField = "$14\r\nlast_active_at\r\n";
constexpr std::string_view kExpiresField = "$10\r\nexpires_at\r\n";
constexpr std::string_view kIdleField = "$12\r\nidle_timeout\r\n";
constexpr std::string_view kLifetimeField = "$12\r\nmax_lifetime\r\n";
constexpr std::string_view kIpField = "$2\r\nip\r\n";
constexpr std::string_view kUserAgentField = "$10\r\nuser_agent\r\n";
constexpr std::string_view kBindField = "$4\r\nbind\r\n";

void ReplySession(ReplyBuilder& reply, const Session& s) {
  reply.MapHeader(11);
  reply.Raw(kIdField);
  reply.Bulk(s.id());
  reply.Raw(kUserField);
  reply.Bulk(s.user());
  reply.Raw(kDataField);
  reply.Bulk(s.data());
  reply.Raw(kCreatedField);
  reply.Integer(s.created_ms);
  reply.Raw(kLastActiveField);
  reply.Integer(s.last_active_ms);
  reply.Raw(kExpiresField);
  reply.Integer(s.ExpiresAt());
  reply.Raw(kIdleField);
  reply.Integer(s.idle_ms / 1000);
  reply.Raw(kLifetimeField);
  reply.Integer(s.max_lifetime_ms / 1000);
  reply.Raw(kIpField);
  reply.Bulk(s.ip());
  reply.Raw(kUserAgentField);
  reply.Bulk(s.user_agent());
  reply.Raw(kBindField);
  reply.Bulk(SessionBindName(s.bind));
}

// SESSION.CREATE user [DATA json] [TTL s] [MAXLIFETIME s] [IP ip] [UA agent] [BIND b]
void CmdCreate(CommandContext& ctx, ArgList args) {
  SessionRequest request;
  request.user = std::string(args[1]);
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    std::string_view value = args[i + 1];
    if (ArgIs(args[i], "data")) {
      if (!ValidData(ctx, value)) return;
      request.data = std::string(value);
    } else if (ArgIs(args[i], "ttl")) {
      if (!ParseSeconds(ctx, value, 1, &request.idle_ms)) return;
    } else if (ArgIs(args[i], "maxlifetime")) {
      if (!ParseSeconds(ctx, value, 0, &request.max_lifetime_ms)) return;
    } else if (ArgIs(args[i], "ip")) {
      request.ip = std::string(value);
    } else if (ArgIs(args[i], "ua")) {
      request.user_agent = std::string(value);
    } else if (ArgIs(args[i], "bind")) {
      uint8_t bind;
      if (!ParseSessionBind(value, &bind)) {
        ctx.reply.Error(errors::kSessionBadBind);
        return;
      }
      request.bind = bind;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (request.bind >= 0 && (((request.bind & kBindIp) && request.ip.empty()) ||
                            ((request.bind & kBindUa) && request.user_agent.empty()))) {
    ctx.reply.Error(errors::kSessionBindNeedsValue);
    return;
  }
  if (request.user.empty()) {
    ctx.reply.Error(errors::kSessionUserEmpty);
    return;
  }
  if (request.user.size() > kMaxUserLen || request.ip.size() > kMaxIpLen ||
      request.user_agent.size() > kMaxUserAgentLen) {
    ctx.reply.Error(errors::kSessionFieldTooLong);
    return;
  }
  Result<std::string> id = Sessions(ctx).Create(request);
  if (!id.ok()) {
    ReplyError(ctx.reply, id.status());
    return;
  }
  ctx.reply.Bulk(*id);
}

// SESSION.GET id [IP ip] [UA agent] [NOTOUCH]
void CmdGet(CommandContext& ctx, ArgList args) {
  std::string_view ip, user_agent;
  bool touch = true;
  for (size_t i = 2; i < args.size(); ++i) {
    if (ArgIs(args[i], "notouch")) {
      touch = false;
    } else if (ArgIs(args[i], "ip") && i + 1 < args.size()) {
      ip = args[++i];
    } else if (ArgIs(args[i], "ua") && i + 1 < args.size()) {
      user_agent = args[++i];
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  bool found = Sessions(ctx).Get(args[1], ip, user_agent, touch,
                                 [&](const Session& s) { ReplySession(ctx.reply, s); });
  if (!found) ctx.reply.Null();
}

void CmdSet(CommandContext& ctx, ArgList args) {
  if (!ValidData(ctx, args[2])) return;
  ctx.reply.Integer(Sessions(ctx).SetData(args[1], args[2]) ? 1 : 0);
}

void CmdTouch(CommandContext& ctx, ArgList args) {
  ctx.reply.Integer(Sessions(ctx).Touch(args[1]) ? 1 : 0);
}

void CmdDestroy(CommandContext& ctx, ArgList args) {
  ctx.reply.Integer(Sessions(ctx).Destroy(args[1]) ? 1 : 0);
}

// SESSION.DESTROYALL user [EXCEPT id]
void CmdDestroyAll(CommandContext& ctx, ArgList args) {
  std::string_view except;
  if (args.size() == 4 && ArgIs(args[2], "except")) {
    except = args[3];
  } else if (args.size() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(Sessions(ctx).DestroyAll(args[1], except)));
}

void CmdList(CommandContext& ctx, ArgList args) {
  std::vector<Session> sessions = Sessions(ctx).List(args[1]);
  ctx.reply.ArrayHeader(sessions.size());
  for (const Session& s : sessions) ReplySession(ctx.reply, s);
}

void CmdCount(CommandContext& ctx, ArgList args) {
  ctx.reply.Integer(static_cast<int64_t>(Sessions(ctx).Count(args[1])));
}

void CmdStats(CommandContext& ctx, ArgList) {
  auto fields = SessionStatFields(Sessions(ctx).Stats());
  ctx.reply.MapHeader(fields.size());
  for (const auto& [name, value] : fields) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(value);
  }
}

// SESSION.RESTORE id user created_at last_active_at idle_ms max_lifetime_ms bind ip ua data
void CmdRestore(CommandContext& ctx, ArgList args) {
  Session s;
  int64_t created, active, idle, lifetime;
  uint8_t bind;
  if (!ParseIntArg(args[3], &created, ctx.reply) || !ParseIntArg(args[4], &active, ctx.reply) ||
      !ParseIntArg(args[5], &idle, ctx.reply) || !ParseIntArg(args[6], &lifetime, ctx.reply)) {
    return;
  }
  if (idle <= 0 || lifetime < 0 || idle > kMaxSeconds * 1000 || lifetime > kMaxSeconds * 1000) {
    ctx.reply.Error(errors::kSessionBadTtl);
    return;
  }
  if (!ParseSessionBind(args[7], &bind)) {
    ctx.reply.Error(errors::kSessionBadBind);
    return;
  }
  if (!SessionStore::WellFormedId(args[1]) || args[2].empty()) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (args[2].size() > kMaxUserLen || args[8].size() > kMaxIpLen ||
      args[9].size() > kMaxUserAgentLen) {
    ctx.reply.Error(errors::kSessionFieldTooLong);
    return;
  }
  if (!ValidData(ctx, args[10])) return;
  s.created_ms = created;
  s.last_active_ms = active;
  s.idle_ms = idle;
  s.max_lifetime_ms = lifetime;
  s.bind = bind;
  s.set_id(args[1]);
  s.SetText(args[2], args[8], args[9], args[10]);
  Sessions(ctx).Restore(std::move(s));
  ctx.reply.Ok();
}

// SESSION.TOUCHAT id unix_ms
void CmdTouchAt(CommandContext& ctx, ArgList args) {
  int64_t at;
  if (!ParseIntArg(args[2], &at, ctx.reply)) return;
  ctx.reply.Integer(Sessions(ctx).TouchAt(args[1], at) ? 1 : 0);
}

}  // namespace

void RegisterSessionFamily(CommandRegistry& r) {
  const char* g = "session";
  const uint32_t kW = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint32_t kWrite = kCmdWrite | kCmdFast;
  const uint32_t kR = kCmdReadOnly | kCmdFast;
  const char* w = "@session @write @fast";
  const char* rd = "@session @read @fast";
  r.Add(MakeCommand(g, "session.create", -2, kW, 0, 0, 0, w,
                    "Create a session for a user and return its id", "0.1.0", "O(1)", CmdCreate));
  // GET refreshes the idle deadline, so it writes (and is logged) like TOUCH.
  r.Add(MakeCommand(g, "session.get", -2, kWrite, 0, 0, 0, w,
                    "Return a live session and refresh its idle deadline", "0.1.0", "O(1)",
                    CmdGet));
  r.Add(MakeCommand(g, "session.set", 3, kW, 0, 0, 0, w, "Replace a session's data", "0.1.0",
                    "O(1)", CmdSet));
  r.Add(MakeCommand(g, "session.touch", 2, kWrite, 0, 0, 0, w, "Refresh a session's idle deadline",
                    "0.1.0", "O(1)", CmdTouch));
  r.Add(MakeCommand(g, "session.destroy", 2, kWrite, 0, 0, 0, w, "Remove a session", "0.1.0",
                    "O(1)", CmdDestroy));
  r.Add(MakeCommand(g, "session.destroyall", -2, kWrite, 0, 0, 0, w,
                    "Remove all of a user's sessions, optionally but one", "0.1.0",
                    "O(N) where N is the user's sessions", CmdDestroyAll));
  r.Add(MakeCommand(g, "session.list", 2, kR, 0, 0, 0, rd,
                    "List a user's live sessions, most recently active first", "0.1.0",
                    "O(N log N) where N is the user's sessions", CmdList));
  r.Add(MakeCommand(g, "session.count", 2, kR, 0, 0, 0, rd, "Count a user's live sessions", "0.1.0",
                    "O(N) where N is the user's sessions", CmdCount));
  r.Add(MakeCommand(g, "session.stats", 1, kR, 0, 0, 0, rd, "Session counters", "0.1.0", "O(1)",
                    CmdStats));
  r.Add(MakeCommand(g, "session.restore", 11, kW, 0, 0, 0, w,
                    "Store a session exactly as given (the append-only log's form)", "0.1.0",
                    "O(1)", CmdRestore));
  r.Add(MakeCommand(g, "session.touchat", 3, kWrite, 0, 0, 0, w,
                    "Set a session's last activity time (the append-only log's form)", "0.1.0",
                    "O(1)", CmdTouchAt));
}

}  // namespace cachet
