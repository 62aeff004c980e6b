// RunInvalidation: what every invalidating command (TAG.INVALIDATE, INVALIDATE KEY/TAG/
// PATTERN/EVENT, and the HTTP routes through them) does: delete the targets in batches
// (engine/invalidation.h), then record the invalidation in the log and publish it on
// kInvalidationChannel.
//
// Thread-safety: runs on the command's thread; takes shard locks one batch at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands/command.h"

namespace cachet {

struct InvalidationTargets {
  std::vector<std::string> keys;
  std::vector<std::string> tags;
  std::vector<std::string> patterns;
};

// Keys of one invalidation listed in its published message.
inline constexpr size_t kPublishedKeysMax = 1000;

struct ServerContext;

// Deletes targets in db and reports it as (kind, target, reason): the log record and, unless
// replaying the append-only log, the published message. Returns the number of keys deleted.
uint64_t RunInvalidation(ServerContext& server, int db, bool replaying, const std::string& kind,
                         const std::string& target, const std::string& reason,
                         const InvalidationTargets& targets);

// Runs the invalidation for ctx's client and replies with the number of keys deleted: on the
// server's InvalidationWorker, with the client parked until it ends, or (inside EXEC, while
// replaying, or without a worker) at once on this thread.
void ReplyInvalidation(CommandContext& ctx, const std::string& kind, const std::string& target,
                       const std::string& reason, InvalidationTargets targets);

}  // namespace cachet
