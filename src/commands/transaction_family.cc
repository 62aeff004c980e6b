// Transactions: MULTI EXEC DISCARD WATCH UNWATCH, with Redis 7.0's replies and errors.
//
// EXEC runs the queued commands with every shard lock held (Engine::LockAll), so no other
// client's command interleaves with them and a watched key cannot change between the check and
// the run. Their logged writes are bracketed by MULTI/EXEC records (LoggedTransaction) so that a
// replay applies all of them or none.
#include <algorithm>
#include <memory>

#include "commands/client_registry.h"
#include "commands/dispatcher.h"
#include "commands/registry.h"
#include "commands/transaction.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {

void QueueCommand(ClientState& client, const CommandSpec* target, ArgList args) {
  TransactionState& t = client.transaction;
  t.queued.push_back({target, std::vector<std::string>(args.begin(), args.end())});
  t.queued_flags |= target->flags;
  if (client.info != nullptr) client.info->multi.store(static_cast<int>(t.queued.size()));
}

void UnwatchAll(ServerContext& server, ClientState& client) {
  TransactionState& t = client.transaction;
  if (t.watch == nullptr) return;
  if (!t.watched.empty()) server.engine->watches().UnwatchAll(t.watch, t.watched);
  t.watched.clear();
  t.watch->dirty.store(false);
}

void DiscardTransaction(ServerContext& server, ClientState& client) {
  TransactionState& t = client.transaction;
  t.active = false;
  t.aborted = false;
  t.queued.clear();
  t.queued_flags = 0;
  if (client.info != nullptr) client.info->multi.store(-1);
  UnwatchAll(server, client);
}

namespace {

void CmdMulti(CommandContext& ctx, ArgList) {
  TransactionState& t = ctx.client.transaction;
  if (t.active) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  t.active = true;
  if (ctx.client.info != nullptr) ctx.client.info->multi.store(0);
  ctx.reply.Ok();
}

void CmdDiscard(CommandContext& ctx, ArgList) {
  if (!ctx.client.transaction.active) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  DiscardTransaction(ctx.server, ctx.client);
  ctx.reply.Ok();
}

// Whether a watched key changed since WATCH, or expired since (Redis checks the latter at EXEC
// because an expired key may not have been removed yet). REQUIRES: LockAll held.
bool WatchedKeysChanged(Engine& engine, const TransactionState& t) {
  if (t.watch == nullptr || t.watched.empty()) return false;
  if (t.watch->dirty.load()) return true;
  return engine.watches().AnyExpiredSinceWatch(
      t.watch, t.watched,
      [&](int db, std::string_view key) { return engine.KeyIsExpired(db, key); });
}

void RunQueued(CommandContext& ctx, std::vector<QueuedCommand>& queued) {
  ctx.client.in_exec = true;
  ctx.reply.ArrayHeader(queued.size());
  LoggedTransaction logged;
  std::vector<std::string_view> args;
  for (QueuedCommand& q : queued) {
    args.assign(q.args.begin(), q.args.end());
    Call(ctx.server, ctx.client, ctx.reply, q.spec, args);
  }
  ctx.client.in_exec = false;
}

void CmdExec(CommandContext& ctx, ArgList) {
  TransactionState& t = ctx.client.transaction;
  if (!t.active) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  Engine& engine = ctx.engine();
  engine.LockAll();
  if (t.aborted) {
    ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  } else if (WatchedKeysChanged(engine, t)) {
    ctx.reply.NullArray();
  } else {
    std::vector<QueuedCommand> queued = std::move(t.queued);
    UnwatchAll(ctx.server, ctx.client);  // the run's own writes must not dirty anything
    RunQueued(ctx, queued);
  }
  DiscardTransaction(ctx.server, ctx.client);
  engine.UnlockAll();
}

void CmdWatch(CommandContext& ctx, ArgList args) {
  TransactionState& t = ctx.client.transaction;
  if (t.active) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  if (t.watch == nullptr) {
    t.watch = std::make_shared<WatchState>();
    if (ctx.client.info != nullptr) ctx.client.info->watch.store(t.watch.get());
  }
  Engine& engine = ctx.engine();
  int db = ctx.db();
  // Under every lock, so that no write slips between the expiry check and the registration.
  engine.LockAll();
  for (size_t i = 1; i < args.size(); ++i) {
    WatchRegistry::KeyRef ref{db, std::string(args[i])};
    if (std::find(t.watched.begin(), t.watched.end(), ref) != t.watched.end()) continue;
    engine.watches().Watch(db, args[i], t.watch, engine.KeyIsExpired(db, args[i]));
    t.watched.push_back(std::move(ref));
  }
  engine.UnlockAll();
  ctx.reply.Ok();
}

void CmdUnwatch(CommandContext& ctx, ArgList) {
  UnwatchAll(ctx.server, ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandRegistry& r) {
  const char* g = "transactions";
  uint32_t control = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast;
  r.Add(MakeCommand(g, "multi", 1, control | kCmdNotQueued, 0, 0, 0, "@fast @transaction",
                    "Mark the start of a transaction block", "1.2.0", "O(1)", CmdMulti));
  r.Add(MakeCommand(
      g, "exec", 1,
      kCmdNoScript | kCmdLoading | kCmdStale | kCmdSkipSlowlog | kCmdNotQueued | kCmdEndsMulti, 0,
      0, 0, "@slow @transaction", "Execute all commands issued after MULTI", "1.2.0",
      "Depends on commands in the transaction", CmdExec));
  r.Add(MakeCommand(g, "discard", 1, control | kCmdNotQueued | kCmdEndsMulti, 0, 0, 0,
                    "@fast @transaction", "Discard all commands issued after MULTI", "2.0.0",
                    "O(N), when N is the number of queued commands", CmdDiscard));
  r.Add(MakeCommand(g, "watch", -2, control | kCmdNotQueued, 1, -1, 1, "@fast @transaction",
                    "Monitor changes to keys to determine execution of the MULTI/EXEC block",
                    "2.2.0", "O(1) for every key.", CmdWatch));
  r.Add(MakeCommand(g, "unwatch", 1, control, 0, 0, 0, "@fast @transaction",
                    "Forget about all watched keys", "2.2.0", "O(1)", CmdUnwatch));
}

}  // namespace cachet
