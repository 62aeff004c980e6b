// Invalidation by tag and by pattern: per-shard batches under one lock hold each.
#include "engine/invalidation.h"

#include <string>
#include <vector>

#include "base/clock.h"
#include "core/glob.h"
#include "engine/key_access.h"
#include "engine/leases.h"
#include "engine/propagation.h"

namespace cachet {

namespace {

// Keys a pattern batch may look at without deleting (non-matching keys under the prefix).
constexpr size_t kExamineLimit = 4 * kInvalidationBatch;

// One lock hold on one shard: select() collects the keys to delete (under the lock), then they
// are deleted and logged as one DEL. Returns whether select() reported more work in the shard.
template <typename Select>
bool RunBatch(Engine& engine, LogSource log, int db, int shard, InvalidationStats* stats,
              const DeletedKeyFn& on_deleted, Select&& select) {
  int64_t start = MonotonicUs();
  bool more;
  {
    static const std::atomic<CommandLog*> kNoLog{nullptr};
    PropagationScope scope(log != nullptr ? log : &kNoLog, db, {});
    KeyAccess access(engine, KeyAccess::WholeShard{shard});
    std::vector<std::string> keys;
    more = select(access.SliceOf(shard, db), &keys);
    std::vector<std::string> logged;
    if (PropagationScope::Logging()) logged.push_back("DEL");
    for (const std::string& key : keys) {
      if (!access.Delete(db, key)) continue;  // expired: removed as such, not invalidated
      access.Notify(kNotifyGeneric, "del", db, key);
      ++stats->keys;
      if (on_deleted) on_deleted(key);
      if (!logged.empty()) logged.push_back(key);
    }
    if (logged.size() > 1) PropagationScope::Rewrite(std::move(logged));
  }
  ++stats->batches;
  stats->longest_batch_us = std::max(stats->longest_batch_us, MonotonicUs() - start);
  return more;
}

}  // namespace

std::string_view GlobLiteralPrefix(std::string_view glob) {
  size_t n = glob.find_first_of("*?[\\");
  return n == std::string_view::npos ? glob : glob.substr(0, n);
}

void InvalidateTag(Engine& engine, LogSource log, int db, std::string_view tag,
                   InvalidationStats* stats, const DeletedKeyFn& on_deleted) {
  engine.tag_invalidations().Note(db, tag);
  for (int s = 0; s < Engine::kShards; ++s) {
    bool more = true;
    while (more) {
      more = RunBatch(engine, log, db, s, stats, on_deleted,
                      [&](DbSlice& slice, std::vector<std::string>* keys) {
                        *keys = slice.tags.SomeKeysOf(tag, kInvalidationBatch);
                        stats->examined += keys->size();
                        return keys->size() == kInvalidationBatch;
                      });
    }
  }
}

void InvalidatePattern(Engine& engine, LogSource log, int db, std::string_view glob,
                       InvalidationStats* stats, const DeletedKeyFn& on_deleted) {
  std::string_view prefix = GlobLiteralPrefix(glob);
  bool exact = prefix.size() == glob.size();  // no wildcard: at most the one key
  for (int s = 0; s < Engine::kShards; ++s) {
    std::string resume;  // the walk goes on after this key (kept: it did not match)
    uint64_t cursor = 0;
    bool more = true;
    while (more) {
      more = RunBatch(engine, log, db, s, stats, on_deleted,
                      [&](DbSlice& slice, std::vector<std::string>* keys) {
                        size_t examined = 0;
                        auto consider = [&](const Entry* e) {
                          ++examined;
                          std::string_view key = e->key();
                          if (exact ? key == glob : GlobMatch(glob, key)) keys->emplace_back(key);
                        };
                        // The index serves the pattern when it holds every key under the literal
                        // prefix: all keys, or the namespaced ones and the prefix lies inside a
                        // namespace.
                        const NamespaceIndex* namespaces = engine.shard(s).ns.index;
                        bool indexed =
                            KeyOrderIndex::mode() == KeyOrderIndex::Mode::kAll ||
                            (KeyOrderIndex::mode() == KeyOrderIndex::Mode::kNamespaces &&
                             namespaces != nullptr && namespaces->Match(prefix) != nullptr);
                        if (!indexed) {
                          cursor = slice.table.Scan(cursor, kInvalidationBatch, consider);
                          stats->examined += examined;
                          return cursor != 0;
                        }
                        bool stopped = false;
                        std::string from = resume.empty() ? std::string() : resume + '\0';
                        slice.order.ForEachWithPrefix(prefix, from, [&](const Entry* e) {
                          if (keys->size() >= kInvalidationBatch || examined >= kExamineLimit) {
                            stopped = true;
                            return false;
                          }
                          consider(e);
                          resume = std::string(e->key());
                          return true;
                        });
                        stats->examined += examined;
                        return stopped;
                      });
    }
    // Leases and stale copies under the pattern go too: a fill computed before the
    // invalidation must be refused, and a stale copy must not be served after it.
    KeyAccess access(engine, KeyAccess::WholeShard{s});
    Shard& shard = engine.shard(s);
    if (shard.leases.empty()) continue;
    for (const std::string& key : engine.leases().KeysWithState(shard, db, [&](std::string_view k) {
           return exact ? k == glob : GlobMatch(glob, k);
         })) {
      engine.leases().Touch(db, key);
    }
  }
}

}  // namespace cachet
