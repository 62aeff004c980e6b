// PubSubRegistry: which clients subscribed to which channels and patterns, and PUBLISH's
// fan-out. A message for another client goes through its ClientHandle::Deliver (queued for
// the subscriber's own loop); a message for the client whose command is running on this thread
// (a RESP3 client publishing to itself, or its own keyspace events) is written straight into
// its reply, before the command's reply, as Redis does.
//
// Thread-safety: all methods are thread-safe (one mutex, a leaf lock: nothing is locked while
// holding it except the subscribers' delivery queues). Publish is cheap when nobody subscribes:
// one relaxed atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/client_registry.h"

namespace cachet {

class PubSubRegistry {
 public:
  // Returns false when the client was already subscribed.
  bool Subscribe(std::string_view channel, const std::shared_ptr<ClientHandle>& client);
  bool Unsubscribe(std::string_view channel, uint64_t client_id);
  bool PSubscribe(std::string_view pattern, const std::shared_ptr<ClientHandle>& client);
  bool PUnsubscribe(std::string_view pattern, uint64_t client_id);

  // Sends message to the channel's subscribers and to every pattern subscription matching
  // channel. Returns how many deliveries were made (a client counts once per match).
  int64_t Publish(std::string_view channel, std::string_view message);

  // Channels with at least one subscriber whose name matches pattern (all when empty).
  std::vector<std::string> Channels(std::string_view pattern) const;
  int64_t NumSub(std::string_view channel) const;
  size_t channel_count() const;
  bool has_subscribers() const { return subscriptions_.load(std::memory_order_relaxed) > 0; }
  size_t pattern_count() const;

  // The client whose command runs on this thread: its messages go into `out` directly.
  // Set by the dispatcher for the duration of a command.
  class CurrentClient {
   public:
    CurrentClient(uint64_t id, std::string* out, int protocol);
    ~CurrentClient();

   private:
    uint64_t previous_id_;
    std::string* previous_out_;
    int previous_protocol_;
  };

 private:
  struct Subscriber {
    uint64_t id;
    std::weak_ptr<ClientHandle> handle;
  };
  using Subscribers = std::vector<Subscriber>;
  static bool Add(Subscribers& list, const std::shared_ptr<ClientHandle>& client);
  static bool Remove(Subscribers& list, uint64_t id);
  // REQUIRES: mu_ held. Delivers the RESP2 form `msg` (RESP3 clients get it as a push).
  static void Send(const Subscriber& s, std::string& msg);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Subscribers> channels_;
  // Patterns in the order they were first subscribed.
  std::vector<std::pair<std::string, Subscribers>> patterns_;
  std::atomic<int64_t> subscriptions_{0};
};

// The RESP2 array of a pub/sub frame; for RESP3 the caller changes the leading '*' to '>'.
std::string PubSubFrame(std::initializer_list<std::string_view> parts);

}  // namespace cachet
