// Helpers shared by the aggregate-type families (hash, set, sorted set, list): finding a key
// of the expected type, creating it on first write, and the encoding limits from the config.
#pragma once

#include <memory>
#include <string_view>

#include "commands/command.h"
#include "commands/errors.h"
#include "commands/server_context.h"
#include "core/container.h"
#include "engine/key_access.h"

namespace cachet {

// The container of type T at key, nullptr when the key does not exist. Replies WRONGTYPE and
// sets *wrong_type when the key holds another type.
template <typename T>
T* FindContainer(KeyAccess& access, int db, std::string_view key, ValueType type,
                 ReplyBuilder& reply, bool* wrong_type, Entry** entry = nullptr, bool read = true) {
  *wrong_type = false;
  Entry* e = read ? access.FindRead(db, key) : access.Find(db, key);
  if (entry != nullptr) *entry = e;
  if (e == nullptr) return nullptr;
  if (e->type() != type) {
    reply.Error(errors::kWrongType);
    *wrong_type = true;
    return nullptr;
  }
  return static_cast<T*>(e->container());
}

// Like FindContainer, but creates an empty T (registered in the keyspace) when missing.
template <typename T>
T* FindOrCreateContainer(KeyAccess& access, int db, std::string_view key, ValueType type,
                         ReplyBuilder& reply, Entry** entry) {
  bool wrong_type;
  T* c = FindContainer<T>(access, db, key, type, reply, &wrong_type, entry, false);
  if (wrong_type) return nullptr;
  if (c == nullptr) {
    *entry = access.CreateContainer(db, key, std::make_unique<T>(), KeyAccess::kNoDeadline);
    c = static_cast<T*>((*entry)->container());
  }
  return c;
}

// ContainerChanged followed by the command's keyspace event, and "del" when the change left
// the aggregate empty (so it was removed), in Redis's order. Returns whether the key remains.
inline bool ChangedAndNotify(KeyAccess& access, int db, Entry* e, int64_t bytes_before,
                             uint32_t type, std::string_view event, std::string_view key) {
  bool alive = access.ContainerChanged(db, e, bytes_before);
  access.Notify(type, event, db, key);
  if (!alive) access.Notify(kNotifyGeneric, "del", db, key);
  return alive;
}

inline EncodingLimits Limits(CommandContext& ctx) { return ctx.server.encoding_limits.Load(); }

}  // namespace cachet
