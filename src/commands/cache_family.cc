// Stampede protection (docs/leases.md): CACHE.FETCH key [WAIT ms] [LEASE ms] and
// CACHE.FILL key token value [EX s|PX ms|EXAT s|PXAT ms] [TAGS tag ...]. OpFetch (cache_fetch.h)
// decides a fetch; a fetch that must wait parks like BLPOP (lease_wait.h); a fill consumes its
// lease, stores the value like SET (logged as SET with an absolute deadline) and wakes the waiters.
#include <memory>
#include <string>
#include <vector>

#include "base/hash.h"
#include "base/numbers.h"
#include "commands/cache_fetch.h"
#include "commands/client_registry.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/lease_wait.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "commands/tag_args.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

constexpr int64_t kMaxMs = int64_t{24} * 3600 * 1000;  // WAIT and LEASE: at most a day

struct FetchArgs {
  int64_t wait_ms = 0;
  int64_t lease_ms = 0;
};

// Parses [WAIT ms] [LEASE ms] (any order, last one wins). Replies with the error on failure.
bool ParseFetchArgs(CommandContext& ctx, ArgList args, FetchArgs* out) {
  out->lease_ms = ctx.server.config->GetInt("lease-timeout");
  for (size_t i = 2; i < args.size(); i += 2) {
    bool wait = ArgIs(args[i], "wait");
    if ((!wait && !ArgIs(args[i], "lease")) || i + 1 >= args.size()) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    int64_t ms;
    if (!ParseInt64(args[i + 1], &ms)) {
      ctx.reply.Error(errors::kNotInteger);
      return false;
    }
    if (ms < (wait ? 0 : 1) || ms > kMaxMs) {
      ctx.reply.Error(wait ? errors::kLeaseBadWait : errors::kLeaseBadLease);
      return false;
    }
    (wait ? out->wait_ms : out->lease_ms) = ms;
  }
  return true;
}

void CmdFetch(CommandContext& ctx, ArgList args) {
  FetchArgs a;
  if (!ParseFetchArgs(ctx, args, &a)) return;
  std::string_view key = args[1];
  std::shared_ptr<ClientHandle> handle;
  if (a.wait_ms > 0 && !ctx.client.in_exec && !ctx.client.replaying) {
    handle = ctx.server.clients->Find(ctx.client.id);
  }
  KeyAccess access(ctx.engine(), key);
  FetchParams p;
  p.client = ctx.client.id;
  p.lease_ms = a.lease_ms;
  p.may_wait = handle != nullptr && ctx.server.blocking != nullptr;
  FetchOutcome outcome = OpFetch(access, ctx.db(), key, p);
  if (outcome.status == FetchStatus::kWait) {
    BlockedClient request;
    request.client_id = ctx.client.id;
    request.handle = handle;
    request.db = ctx.db();
    request.protocol = ctx.reply.protocol();
    request.keys = {std::string(key)};
    request.lease_ms = a.lease_ms;
    request.wait_until_ms = MonotonicUs() / 1000 + a.wait_ms;
    ctx.client.blocked = ParkFetch(ctx.server, access, request, outcome);
    ctx.engine().leases().Count(LeaseManager::kWaits);
    return;
  }
  ReplyFetch(ctx.reply, outcome);
}

// CACHE.FILL key token value [EX s|PX ms|EXAT s|PXAT ms] [TAGS tag ...]
void CmdFill(CommandContext& ctx, ArgList args) {
  std::string_view key = args[1], token = args[2], value = args[3];
  ExpireUnit unit = ExpireUnit::kNone;
  size_t next = 4;
  if (args.size() >= 6) {
    if (ArgIs(args[4], "ex")) unit = ExpireUnit::kEx;
    if (ArgIs(args[4], "px")) unit = ExpireUnit::kPx;
    if (ArgIs(args[4], "exat")) unit = ExpireUnit::kExAt;
    if (ArgIs(args[4], "pxat")) unit = ExpireUnit::kPxAt;
    if (unit != ExpireUnit::kNone) next = 6;
  }
  ArgList tags;
  if (next < args.size()) {
    if (!ArgIs(args[next], "tags")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    tags = args.subspan(next + 1);
    if (!CheckTags(tags, ctx.reply)) return;
  }
  KeyAccess access(ctx.engine(), key);
  int64_t deadline = KeyAccess::kNoDeadline;
  if (unit != ExpireUnit::kNone &&
      !ResolveDeadline(args[5], unit, access.now(), "cache.fill", &deadline, ctx.reply)) {
    return;
  }
  LeaseManager& leases = ctx.engine().leases();
  Shard& shard = ctx.engine().shard(Engine::ShardIndex(HashKey(key)));
  // A lease on a missing key belongs to no tag: a fill whose tags were invalidated after the
  // grant would store what that invalidation made stale, so it voids the lease.
  const Lease* lease = leases.Current(shard, ctx.db(), key, access.now());
  if (lease != nullptr && lease->token == token && !tags.empty() &&
      ctx.engine().tag_invalidations().AnySince(ctx.db(), tags, lease->tag_seq)) {
    leases.Touch(ctx.db(), key);  // voids it and wakes the waiters, who may take it over
  }
  int64_t granted_ms;
  if (!leases.Consume(shard, ctx.db(), key, token, access.now(), &granted_ms)) {
    ctx.reply.Error(errors::kLeaseInvalid);
    return;
  }
  // Logged as the SET (CACHE.SET with tags) it amounts to, with an absolute deadline (a
  // namespace default TTL is logged after it as PEXPIREAT by KeyAccess).
  SetOptions o;
  std::vector<std::string> logged =
      AbsoluteSetForm(tags.empty() ? "SET" : "CACHE.SET", key, value, o, deadline);
  if (!tags.empty()) logged.push_back("TAGS");
  for (std::string_view t : tags) logged.emplace_back(t);
  PropagationScope::Rewrite(std::move(logged));
  Entry* e = access.SetString(ctx.db(), key, value, ChooseStringEncoding(value), deadline);
  AddTags(access, ctx.db(), e, tags);
  access.Notify(kNotifyString, "set", ctx.db(), key);
  if (unit != ExpireUnit::kNone) access.Notify(kNotifyGeneric, "expire", ctx.db(), key);
  // XFetch's delta, kept only where early refresh is on (namespaces with a beta).
  const NamespaceSpec* ns = shard.ns.index ? shard.ns.index->Match(key) : nullptr;
  if (ns != nullptr && ns->beta > 0) {
    leases.SetDelta(shard, ctx.db(), key, access.now() - granted_ms);
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterCacheFamily(CommandRegistry& r) {
  const char* g = "cache";
  r.Add(MakeCommand(g, "cache.fetch", -2, kCmdReadOnly | kCmdBlocking | kCmdFast, 1, 1, 1,
                    "@cache @read @fast @blocking",
                    "Get a value, or a lease to load it; wait for another client's load, or get "
                    "its stale value",
                    "0.1.0", "O(1)", CmdFetch));
  r.Add(MakeCommand(g, "cache.fill", -4, kCmdWrite | kCmdDenyOom, 1, 1, 1, "@cache @write",
                    "Store the value loaded under a lease and wake the clients waiting for it",
                    "0.1.0", "O(1)", CmdFill));
}

}  // namespace cachet
