// ClientRegistry: every connected client, for CLIENT LIST/KILL, INFO clients, maxclients and
// MONITOR. A client's owning loop updates its ClientInfo; other threads read it through atomics
// (and the name under a small mutex), and act on it only through ClientHandle's thread-safe
// methods.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/watch_registry.h"

namespace cachet {

struct ClientInfo {
  uint64_t id = 0;
  std::string addr;
  std::string laddr;
  int fd = -1;
  int64_t created_ms = 0;
  std::atomic<int> db{0};
  std::atomic<int> resp{2};
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<const char*> last_command{"NULL"};
  std::atomic<uint64_t> query_buffer{0};
  std::atomic<uint64_t> query_buffer_free{0};
  std::atomic<uint64_t> output_pending{0};
  std::atomic<uint64_t> net_in{0};
  std::atomic<uint64_t> net_out{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<bool> monitor{false};
  std::atomic<bool> pubsub{false};   // subscribed mode (flag P)
  std::atomic<bool> blocked{false};  // in a blocking command (flag b)
  std::atomic<int> sub{0};           // channel subscriptions
  std::atomic<int> psub{0};          // pattern subscriptions
  std::atomic<int> multi{-1};        // commands queued since MULTI; -1 outside MULTI (flag x)
  // The client's WATCH state once it has watched something (flag d when dirty). Set once by
  // the owning loop; valid while the handle is.
  std::atomic<const WatchState*> watch{nullptr};

  std::string name() const {
    std::lock_guard<std::mutex> lock(name_mu);
    return name_;
  }
  void set_name(std::string n) {
    std::lock_guard<std::mutex> lock(name_mu);
    name_ = std::move(n);
  }

 private:
  mutable std::mutex name_mu;
  std::string name_;
};

class ClientHandle {
 public:
  virtual ~ClientHandle() = default;
  virtual ClientInfo& info() = 0;
  // Closes the connection soon (on its own loop). Any thread.
  virtual void RequestClose() = 0;
  // Appends bytes to the client's output and flushes (on its own loop). Any thread.
  virtual void Deliver(std::string bytes) = 0;
  // Ends the client's blocking command with reply and resumes its input (on its own loop).
  // Any thread.
  virtual void Unblock(std::string reply) { Deliver(std::move(reply)); }
};

class ClientRegistry {
 public:
  uint64_t NextId() { return next_id_.fetch_add(1); }
  void Add(const std::shared_ptr<ClientHandle>& client);
  void Remove(uint64_t id);
  size_t size() const;
  std::shared_ptr<ClientHandle> Find(uint64_t id) const;
  std::vector<std::shared_ptr<ClientHandle>> Snapshot() const;

  void AddMonitor(const std::shared_ptr<ClientHandle>& client);
  void RemoveMonitor(uint64_t id);
  bool has_monitors() const { return monitor_count_.load(std::memory_order_relaxed) > 0; }
  // Sends line to every monitor except the client with id `except`.
  void FeedMonitors(const std::string& line, uint64_t except);

 private:
  std::atomic<uint64_t> next_id_{1};
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<ClientHandle>> clients_;
  std::unordered_map<uint64_t, std::weak_ptr<ClientHandle>> monitors_;
  std::atomic<int> monitor_count_{0};
};

}  // namespace cachet
