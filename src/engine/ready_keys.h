// ReadyKeys: the keys blocked clients wait on (BLPOP and friends), and which of them changed on
// this thread since the blocked-client service last ran. Every change to a key reaches Touch
// (through KeyAccess, like WatchRegistry); a waited-on key is then remembered in a thread-local
// list that ServeBlockedClients (commands/blocking.h) drains after the command.
// Costs one relaxed atomic load per change when no client is blocked.
//
// Thread-safety: all methods are thread-safe; Touch may be called under shard locks (the mutex
// is a leaf lock).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet {

class ReadyKeys {
 public:
  using Key = std::pair<int, std::string>;

  // One more (or one fewer) blocked client waits on key in db.
  void AddWaiter(int db, std::string_view key);
  void RemoveWaiter(int db, std::string_view key);

  void Touch(int db, std::string_view key) {
    if (waited_.load(std::memory_order_relaxed) > 0) TouchSlow(db, key);
  }
  // Marks every waited-on key of db as touched on this thread (SWAPDB).
  void TouchDb(int db);

  // The waited-on keys this thread touched since the last call, in first-touch order.
  static std::vector<Key> TakeTouched();

 private:
  void TouchSlow(int db, std::string_view key);

  std::mutex mu_;
  std::map<Key, int> waiters_;
  std::atomic<int> waited_{0};
};

}  // namespace cachet
