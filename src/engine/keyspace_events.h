// Keyspace notifications, engine side: the interface the server implements to publish an
// event, and the gate the engine and commands call. With notifications off, Notify costs one
// relaxed atomic load.
//
// Thread-safety: all methods are thread-safe. Notify is called with shard locks held, so a
// KeyspaceNotifier must never take a shard lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "core/keyspace_flags.h"

namespace cachet {

class KeyspaceNotifier {
 public:
  virtual ~KeyspaceNotifier() = default;
  // Publishes the event for key in db to the channels `flags` asks for.
  virtual void Publish(uint32_t flags, std::string_view event, int db, std::string_view key) = 0;
};

class KeyspaceEvents {
 public:
  void set_flags(uint32_t flags) { flags_.store(flags, std::memory_order_relaxed); }
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  // REQUIRES: called before serving (the notifier is read without synchronisation).
  void set_notifier(KeyspaceNotifier* notifier) { notifier_ = notifier; }

  // Publishes event (of class type) for key, when notify-keyspace-events asks for it.
  void Notify(uint32_t type, std::string_view event, int db, std::string_view key) const {
    uint32_t flags = flags_.load(std::memory_order_relaxed);
    if ((flags & type) == 0) return;
    if ((flags & (kNotifyKeyspace | kNotifyKeyevent)) == 0 || notifier_ == nullptr) return;
    notifier_->Publish(flags, event, db, key);
  }

 private:
  std::atomic<uint32_t> flags_{0};
  KeyspaceNotifier* notifier_ = nullptr;
};

}  // namespace cachet
