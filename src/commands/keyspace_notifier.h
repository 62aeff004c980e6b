// KeyspacePublisher: turns the engine's keyspace events into pub/sub messages on
// __keyspace@<db>__:<key> (message: the event) and __keyevent@<db>__:<event> (message: the
// key), as Redis's notify-keyspace-events K and E ask.
//
// Thread-safety: thread-safe; called under shard locks, takes only the pub/sub registry's lock.
#pragma once

#include "commands/pubsub_registry.h"
#include "engine/keyspace_events.h"

namespace cachet {

class KeyspacePublisher : public KeyspaceNotifier {
 public:
  explicit KeyspacePublisher(PubSubRegistry* registry) : registry_(registry) {}
  void Publish(uint32_t flags, std::string_view event, int db, std::string_view key) override;

 private:
  PubSubRegistry* registry_;
};

}  // namespace cachet
