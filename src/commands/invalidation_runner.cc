// RunInvalidation: batches through the engine, then the log record and the published message.
#include "commands/invalidation_runner.h"

#include "base/clock.h"
#include "commands/blocking_registry.h"
#include "commands/client_registry.h"
#include "commands/invalidation_log.h"
#include "commands/invalidation_worker.h"
#include "commands/pubsub_registry.h"
#include "commands/server_context.h"
#include "engine/allocator_stats.h"
#include "engine/invalidation.h"
#include "engine/key_access.h"
#include "engine/propagation.h"

namespace cachet {

namespace {

// Deletes one named key as its own logged DEL.
void InvalidateKey(ServerContext& server, int db, const std::string& key, InvalidationStats* stats,
                   const DeletedKeyFn& on_deleted) {
  int64_t start = MonotonicUs();
  {
    PropagationScope scope(&server.command_log, db, {});
    KeyAccess access(*server.engine, key);
    ++stats->examined;
    if (access.Delete(db, key)) {
      PropagationScope::Rewrite({"DEL", key});
      access.Notify(kNotifyGeneric, "del", db, key);
      ++stats->keys;
      on_deleted(key);
    }
  }
  ++stats->batches;
  stats->longest_batch_us = std::max(stats->longest_batch_us, MonotonicUs() - start);
}

}  // namespace

uint64_t RunInvalidation(ServerContext& server, int db, bool replaying, const std::string& kind,
                         const std::string& target, const std::string& reason,
                         const InvalidationTargets& targets) {
  Engine& engine = *server.engine;
  int64_t start = MonotonicUs();
  InvalidationStats stats;
  std::vector<std::string> published;
  bool truncated = false;
  DeletedKeyFn on_deleted = [&](std::string_view key) {
    if (published.size() < kPublishedKeysMax) {
      published.emplace_back(key);
    } else {
      truncated = true;
    }
  };
  LogSource log = &server.command_log;
  for (const std::string& key : targets.keys) InvalidateKey(server, db, key, &stats, on_deleted);
  for (const std::string& tag : targets.tags)
    InvalidateTag(engine, log, db, tag, &stats, on_deleted);
  for (const std::string& glob : targets.patterns)
    InvalidatePattern(engine, log, db, glob, &stats, on_deleted);

  InvalidationRecord r;
  r.time_ms = engine.clock()->NowMs();
  r.kind = kind;
  r.target = target;
  r.reason = reason;
  r.db = db;
  r.keys = stats.keys;
  r.duration_us = MonotonicUs() - start;
  r.longest_batch_us = stats.longest_batch_us;
  if (server.invalidations != nullptr) r.id = server.invalidations->Add(r);
  if (server.pubsub != nullptr && !replaying) {
    server.pubsub->Publish(kInvalidationChannel, InvalidationMessage(r, published, truncated));
  }
  return stats.keys;
}

void ReplyInvalidation(CommandContext& ctx, const std::string& kind, const std::string& target,
                       const std::string& reason, InvalidationTargets targets) {
  ServerContext& server = ctx.server;
  std::shared_ptr<ClientHandle> handle;
  bool deferred = server.invalidation_worker != nullptr && !ctx.client.in_exec &&
                  !ctx.client.replaying && server.clients != nullptr;
  if (deferred) handle = server.clients->Find(ctx.client.id);
  if (handle == nullptr) {
    uint64_t n =
        RunInvalidation(server, ctx.db(), ctx.client.replaying, kind, target, reason, targets);
    ctx.reply.Integer(static_cast<int64_t>(n));
    return;
  }
  // Parked (no timeout, not in the blocking registry) until the worker delivers the reply.
  auto parked = std::make_shared<BlockedClient>();
  parked->client_id = ctx.client.id;
  parked->handle = handle;
  parked->db = ctx.db();
  parked->protocol = ctx.reply.protocol();
  ctx.client.blocked = parked;
  std::weak_ptr<ClientHandle> weak = handle;
  int db = ctx.db();
  server.invalidation_worker->Submit(
      [&server, weak, db, kind, target, reason, targets = std::move(targets)] {
        uint64_t n = RunInvalidation(server, db, false, kind, target, reason, targets);
        if (server.flush_log) server.flush_log();  // the DELs reach the log before the reply
        FlushThreadCache();
        if (auto h = weak.lock()) h->Unblock(":" + std::to_string(n) + "\r\n");
      });
}

}  // namespace cachet
