// WatchRegistry: the keys clients WATCH before MULTI/EXEC. Every change to a key — a write,
// a delete, an expiry, an eviction, a flush — marks the transactions watching it dirty, so
// their EXEC fails, as in Redis. Costs one relaxed atomic load per change when nobody watches.
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

class WatchRegistry {
 public:
  void Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& state);
  // Forgets every key state watches.
  void UnwatchAll(const std::shared_ptr<WatchState>& state,
                  const std::vector<std::pair<int, std::string>>& keys);

  void Touch(int db, std::string_view key) {
    if (watched_.load(std::memory_order_relaxed) > 0) TouchSlow(db, key);
  }
  // Touches the watched keys of db for which exists(key) is true (FLUSHDB, SWAPDB).
  void TouchDb(int db, const std::function<bool(std::string_view)>& exists);

 private:
  void TouchSlow(int db, std::string_view key);

  std::mutex mu_;
  std::map<std::pair<int, std::string>, std::vector<std::weak_ptr<WatchState>>, std::less<>> keys_;
  std::atomic<int> watched_{0};
};

}  // namespace cachet
