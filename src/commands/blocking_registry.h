// BlockingRegistry: the clients parked in a blocking command (BLPOP, BRPOP, BLMOVE,
// BRPOPLPUSH, CACHE.FETCH with WAIT), queued per key in arrival order so they are served first
// come, first served.
// A parked client ends exactly once: served, timed out, unblocked or disconnected; whoever
// Claims it first owns that ending, so a client woken on two threads at once is served once.
//
// Thread-safety: all methods are thread-safe. Lock order: shard locks, then this registry's
// mutex, then ReadyKeys's.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/client_registry.h"
#include "engine/ready_keys.h"

namespace cachet {

// What a parked client waits for and how to answer it.
struct BlockedClient {
  // kFetch: CACHE.FETCH waiting for another client's fill (commands/lease_wait.h).
  enum class Kind { kPop, kMove, kFetch };
  uint64_t client_id = 0;
  std::weak_ptr<ClientHandle> handle;
  int db = 0;
  int protocol = 2;
  Kind kind = Kind::kPop;
  std::vector<std::string> keys;  // in command order
  bool left = true;               // pop from the head
  std::string dest;               // kMove
  bool dest_left = true;
  bool rpoplpush = false;   // BRPOPLPUSH (logged as RPOPLPUSH)
  int64_t deadline_ms = 0;  // monotonic ms; 0 waits forever
  bool ended = false;       // guarded by the registry's mutex

  int64_t lease_ms = 0;       // kFetch: the lease it asks for when its turn comes
  int64_t wait_until_ms = 0;  // kFetch: monotonic ms its WAIT ends (deadline_ms may be earlier)
};

class BlockingRegistry {
 public:
  explicit BlockingRegistry(ReadyKeys* ready) : ready_(ready) {}

  // Parks client on each of its keys.
  // REQUIRES: the shard locks of its keys are held (so no push can slip in between the
  // emptiness check and this call).
  void Park(const std::shared_ptr<BlockedClient>& client);
  // The longest-waiting client parked on key in db, or nullptr.
  std::shared_ptr<BlockedClient> Front(int db, std::string_view key);
  // Ends client's wait and unparks it from all its keys. False if it had already ended.
  bool Claim(const std::shared_ptr<BlockedClient>& client);
  // Claim by client id (CLIENT UNBLOCK); nullptr when that client is not parked.
  std::shared_ptr<BlockedClient> ClaimById(uint64_t client_id);
  size_t size() const { return parked_.load(std::memory_order_relaxed); }

 private:
  // REQUIRES: mu_ held.
  void UnparkLocked(const std::shared_ptr<BlockedClient>& client);

  ReadyKeys* ready_;
  std::mutex mu_;
  std::map<ReadyKeys::Key, std::deque<std::shared_ptr<BlockedClient>>> queues_;
  std::unordered_map<uint64_t, std::shared_ptr<BlockedClient>> by_id_;
  std::atomic<size_t> parked_{0};
};

}  // namespace cachet
