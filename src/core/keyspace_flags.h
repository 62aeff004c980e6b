// Keyspace notification classes: Redis's notify-keyspace-events letters and bit values, and
// the parser/printer CONFIG uses. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

// Event classes, with Redis's bit values.
enum KeyspaceEventClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K: __keyspace@<db>__:<key> messages
  kNotifyKeyevent = 1u << 1,  // E: __keyevent@<db>__:<event> messages
  kNotifyGeneric = 1u << 2,   // g: DEL EXPIRE RENAME ...
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZset = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyLoaded = 1u << 12,   // module only
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n
  // A: every class except m and n.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses a notify-keyspace-events value ("KEA", "Ex", ""). Returns false on an unknown letter.
bool ParseKeyspaceEventFlags(std::string_view text, uint32_t* flags);
// The canonical string CONFIG GET returns for flags (as Redis prints it).
std::string KeyspaceEventFlagsToString(uint32_t flags);

}  // namespace cachet
