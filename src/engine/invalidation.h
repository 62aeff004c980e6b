// Invalidation: deleting every key of a database that carries a tag or matches a glob, shard by
// shard in small batches so that no lock is held for long (other clients' commands on the same
// shard wait at most one batch). Each batch deletes through KeyAccess, so WATCH, blocked
// clients, keyspace notifications ("del") and leases see ordinary deletions, and it is logged as
// one DEL of its keys: a replay removes exactly the keys that went, in the order they went.
//
// A pattern is served from the key order index when it holds every key under the glob's literal
// prefix (up to its first * ? [ or \): with prefix-index namespaces (the default) when that
// prefix lies inside a namespace, with prefix-index all always. Then only keys under the prefix
// are looked at, so user:123:* never scans the keyspace; otherwise every key of the database is
// examined, in batches.
//
// Thread-safety: thread-safe; takes one shard lock at a time. Inside EXEC (all shards held) the
// batches simply run under the transaction's locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "engine/engine.h"

namespace cachet {

struct InvalidationStats {
  uint64_t keys = 0;             // keys deleted
  uint64_t examined = 0;         // keys looked at (pattern: under the literal prefix)
  int64_t longest_batch_us = 0;  // the longest time one shard lock was held
  uint64_t batches = 0;
};

// Called for each deleted key, under its shard lock.
using DeletedKeyFn = std::function<void(std::string_view key)>;

// Keys per lock hold.
inline constexpr size_t kInvalidationBatch = 256;

// Where the batches' DEL records go (the server's append-only log source), or nullptr.
using LogSource = const std::atomic<CommandLog*>*;

// Deletes the keys of db carrying tag.
void InvalidateTag(Engine& engine, LogSource log, int db, std::string_view tag,
                   InvalidationStats* stats, const DeletedKeyFn& on_deleted = nullptr);

// Deletes the keys of db matching glob (Redis glob syntax, as KEYS and SCAN MATCH).
void InvalidatePattern(Engine& engine, LogSource log, int db, std::string_view glob,
                       InvalidationStats* stats, const DeletedKeyFn& on_deleted = nullptr);

// The literal prefix every key matching glob starts with.
std::string_view GlobLiteralPrefix(std::string_view glob);

}  // namespace cachet
