// Blocking list commands: BLPOP BRPOP BLMOVE BRPOPLPUSH, with Redis 7.0 semantics. With data
// they pop at once (logged as LPOP / RPOP / LMOVE / RPOPLPUSH); without, the client is parked in
// the BlockingRegistry and its connection waits for ServeBlockedClients, a timeout or CLIENT
// UNBLOCK. Inside EXEC they never block: they answer as on timeout.
#include <climits>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/numbers.h"
#include "commands/blocking.h"
#include "commands/errors.h"
#include "commands/list_family.h"
#include "commands/registry.h"
#include "engine/engine.h"

namespace cachet {
namespace {

// A timeout argument in seconds (a float; 0 waits forever) as milliseconds, as Redis reads it.
bool ParseBlockTimeout(std::string_view arg, int64_t* ms, ReplyBuilder& reply) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double millis = seconds * 1000.0L;
  // Redis 7.0 converts an overflowing value to a negative one: report it the same way.
  bool overflow = millis >= static_cast<long double>(LLONG_MAX);
  long long rounded = overflow ? -1 : static_cast<long long>(ceill(millis));
  if (rounded < 0) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  *ms = rounded;
  return true;
}

// Pops for c from its first key holding a list, or parks the client when none does.
void PopOrBlock(CommandContext& ctx, std::shared_ptr<BlockedClient> c, int64_t timeout_ms) {
  std::vector<std::string_view> lock_keys(c->keys.begin(), c->keys.end());
  if (c->kind == BlockedClient::Kind::kMove) lock_keys.push_back(c->dest);
  KeyAccess access(ctx.engine(), lock_keys);
  for (const std::string& key : c->keys) {
    Entry* e = access.Find(c->db, key);
    if (e == nullptr) continue;
    if (e->type() != ValueType::kList) {
      ctx.reply.Error(errors::kWrongType);
      return;
    }
    PopForBlocked(access, *c, key, ctx.reply);
    return;
  }
  std::shared_ptr<ClientHandle> handle = ctx.server.clients->Find(ctx.client.id);
  if (ctx.client.in_exec || ctx.client.replaying || ctx.server.blocking == nullptr || !handle) {
    ReplyBlockTimeout(*c, ctx.reply);
    return;
  }
  c->handle = handle;
  c->deadline_ms = timeout_ms > 0 ? MonotonicUs() / 1000 + timeout_ms : 0;
  ctx.server.blocking->Park(c);  // under the keys' locks: no push slips in before it
  ctx.client.blocked = std::move(c);
}

std::shared_ptr<BlockedClient> NewBlocked(CommandContext& ctx, BlockedClient::Kind kind) {
  auto c = std::make_shared<BlockedClient>();
  c->client_id = ctx.client.id;
  c->db = ctx.db();
  c->protocol = ctx.reply.protocol();
  c->kind = kind;
  return c;
}

void BlockingPop(CommandContext& ctx, ArgList args, bool left) {
  int64_t timeout_ms;
  if (!ParseBlockTimeout(args.back(), &timeout_ms, ctx.reply)) return;
  auto c = NewBlocked(ctx, BlockedClient::Kind::kPop);
  c->keys.assign(args.begin() + 1, args.end() - 1);
  c->left = left;
  PopOrBlock(ctx, std::move(c), timeout_ms);
}

void CmdBLPop(CommandContext& ctx, ArgList args) { BlockingPop(ctx, args, true); }
void CmdBRPop(CommandContext& ctx, ArgList args) { BlockingPop(ctx, args, false); }

void BlockingMove(CommandContext& ctx, ArgList args, bool src_left, bool dst_left, bool rpoplpush) {
  int64_t timeout_ms;
  if (!ParseBlockTimeout(args.back(), &timeout_ms, ctx.reply)) return;
  auto c = NewBlocked(ctx, BlockedClient::Kind::kMove);
  c->keys.emplace_back(args[1]);
  c->dest = std::string(args[2]);
  c->left = src_left;
  c->dest_left = dst_left;
  c->rpoplpush = rpoplpush;
  PopOrBlock(ctx, std::move(c), timeout_ms);
}

void CmdBLMove(CommandContext& ctx, ArgList args) {
  bool src_left, dst_left;
  if (!ParseDirection(args[3], &src_left, ctx.reply) ||
      !ParseDirection(args[4], &dst_left, ctx.reply)) {
    return;
  }
  BlockingMove(ctx, args, src_left, dst_left, false);
}

void CmdBRPopLPush(CommandContext& ctx, ArgList args) {
  BlockingMove(ctx, args, false, true, true);
}

}  // namespace

void RegisterListBlockingFamily(CommandRegistry& r) {
  const char* g = "list";
  const char* acl = "@write @list @slow @blocking";
  const uint32_t kPop = kCmdWrite | kCmdNoScript | kCmdBlocking;
  const uint32_t kMove = kCmdWrite | kCmdDenyOom | kCmdNoScript | kCmdBlocking;
  r.Add(MakeCommand(g, "blpop", -3, kPop, 1, -2, 1, acl,
                    "Remove and get the first element in a list, or block until one is available",
                    "2.0.0", "O(N) where N is the number of provided keys.", CmdBLPop));
  r.Add(MakeCommand(g, "brpop", -3, kPop, 1, -2, 1, acl,
                    "Remove and get the last element in a list, or block until one is available",
                    "2.0.0", "O(N) where N is the number of provided keys.", CmdBRPop));
  r.Add(MakeCommand(g, "blmove", 6, kMove, 1, 2, 1, acl,
                    "Pop an element from a list, push it to another list and return it; or block "
                    "until one is available",
                    "6.2.0", "O(1)", CmdBLMove));
  r.Add(MakeCommand(g, "brpoplpush", 4, kMove, 1, 2, 1, acl,
                    "Pop an element from a list, push it to another list and return it; or block "
                    "until one is available",
                    "2.2.0", "O(1)", CmdBRPopLPush));
}

}  // namespace cachet
