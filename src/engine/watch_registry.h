// WatchRegistry: the keys clients WATCH before MULTI/EXEC. Every change to a key — a write,
// a delete, an expiry, an eviction, a flush — marks the transactions watching it dirty, so
// their EXEC fails, as in Redis. Costs one relaxed atomic load per change when nobody watches.
//
// Redis 7.0's rule for a key that was already expired when it was watched: removing it (lazy or
// active expiry, eviction, a flush) is no logical change and leaves the transaction clean; only
// a later write makes it dirty. Callers say which kind of change they report (TouchKind).
//
// Thread-safety: all methods are thread-safe; Touch may be called under shard locks (the
// registry's mutex is only ever taken last).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet {

struct WatchState {
  std::atomic<bool> dirty{false};
};

enum class TouchKind {
  kChanged,  // written, deleted by a command, or replaced
  kRemoved,  // removed without a command: expiry, eviction, flush
};

class WatchRegistry {
 public:
  using KeyRef = std::pair<int, std::string>;

  // Watches key for state, which must not watch it already (the client keeps its own list).
  // expired: the key exists but its TTL has passed (see above).
  void Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& state, bool expired);
  // Forgets every key state watches.
  void UnwatchAll(const std::shared_ptr<WatchState>& state, const std::vector<KeyRef>& keys);
  // Whether any of state's keys that were live when watched has expired since (EXEC's check);
  // is_expired(db, key) is called under the registry's mutex.
  bool AnyExpiredSinceWatch(const std::shared_ptr<WatchState>& state,
                            const std::vector<KeyRef>& keys,
                            const std::function<bool(int, std::string_view)>& is_expired);

  void Touch(int db, std::string_view key, TouchKind kind = TouchKind::kChanged) {
    if (watched_.load(std::memory_order_relaxed) > 0) TouchSlow(db, key, kind);
  }
  // Touches the watched keys of db for which exists(key) is true (FLUSHDB, SWAPDB): a live
  // key that disappears or is replaced is a change.
  void TouchDb(int db, const std::function<bool(std::string_view)>& exists);

 private:
  struct Watcher {
    std::weak_ptr<WatchState> state;
    bool expired_at_watch = false;
  };
  void TouchSlow(int db, std::string_view key, TouchKind kind);
  static void TouchWatchers(std::vector<Watcher>& watchers, TouchKind kind);

  std::mutex mu_;
  std::map<KeyRef, std::vector<Watcher>, std::less<>> keys_;
  std::atomic<int> watched_{0};
};

}  // namespace cachet
