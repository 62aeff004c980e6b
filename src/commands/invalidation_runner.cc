// RunInvalidation: batches through the engine, then the log record and the published message.
#include "commands/invalidation_runner.h"


#include "base/clock.h"
#include "commands/invalidation_log.h"
#include "commands/pubsub_registry.h"
#include "commands/server_context.h"
#include "engine/invalidation.h"
#include "engine/key_access.h"
#include "engine/propagation.h"

namespace cachet {

namespace {

// Deletes one named key as its own logged DEL.
void InvalidateKey(CommandContext& ctx, const std::string& key, InvalidationStats* stats,
                   const DeletedKeyFn& on_deleted) {
  int64_t start = MonotonicUs();
  {
    PropagationScope scope(&ctx.server.command_log, ctx.db(), {});
    KeyAccess access(ctx.engine(), key);
    ++stats->examined;
    if (access.Delete(ctx.db(), key)) {
      PropagationScope::Rewrite({"DEL", key});
      access.Notify(kNotifyGeneric, "del", ctx.db(), key);
      ++stats->keys;
      on_deleted(key);
    }
  }
  ++stats->batches;
  stats->longest_batch_us = std::max(stats->longest_batch_us, MonotonicUs() - start);
}

}  // namespace

uint64_t RunInvalidation(CommandContext& ctx, const std::string& kind, const std::string& target,
                         const std::string& reason, const InvalidationTargets& targets) {
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
  LogSource log = &ctx.server.command_log;
  for (const std::string& key : targets.keys) InvalidateKey(ctx, key, &stats, on_deleted);
  for (const std::string& tag : targets.tags)
    InvalidateTag(ctx.engine(), log, ctx.db(), tag, &stats, on_deleted);
  for (const std::string& glob : targets.patterns)
    InvalidatePattern(ctx.engine(), log, ctx.db(), glob, &stats, on_deleted);

  InvalidationRecord r;
  r.time_ms = ctx.engine().clock()->NowMs();
  r.kind = kind;
  r.target = target;
  r.reason = reason;
  r.db = ctx.db();
  r.keys = stats.keys;
  r.duration_us = MonotonicUs() - start;
  r.longest_batch_us = stats.longest_batch_us;
  if (ctx.server.invalidations != nullptr) r.id = ctx.server.invalidations->Add(r);
  if (ctx.server.pubsub != nullptr && !ctx.client.replaying) {
    ctx.server.pubsub->Publish(kInvalidationChannel, InvalidationMessage(r, published, truncated));
  }
  return stats.keys;
}

}  // namespace cachet
