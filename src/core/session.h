// Session: one user session as the session store keeps it — who it belongs to, its JSON data,
// its timestamps, how it expires (rolling idle timeout and absolute lifetime) and what it is
// bound to — plus its snapshot encoding.
//
// Thread-safety: plain data; owned by a SessionTable and used under its owner's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

// What SESSION.GET must present to see the session.
enum SessionBind : uint8_t { kBindNone = 0, kBindIp = 1, kBindUa = 2, kBindBoth = 3 };

const char* SessionBindName(uint8_t bind);
// Parses none|ip|ua|both (case-insensitive).
bool ParseSessionBind(std::string_view text, uint8_t* bind);

struct Session {
  std::string id;
  std::string user;
  std::string data;  // a validated JSON object, as the client sent it
  std::string ip;
  std::string user_agent;
  int64_t created_ms = 0;
  int64_t last_active_ms = 0;
  int64_t idle_ms = 0;          // rolling: the session expires idle_ms after its last activity
  int64_t max_lifetime_ms = 0;  // absolute: at most this long after creation; 0 = no limit
  uint8_t bind = kBindNone;
  // SessionTable's bookkeeping: the position in the user's index, and the order of the last
  // activity among sessions active in the same millisecond.
  size_t user_slot = 0;
  uint64_t activity_seq = 0;

  // When the session expires unless it is touched first.
  int64_t ExpiresAt() const;
  // What the session costs in memory: the record, its strings and its index entries.
  size_t MemoryBytes() const;
};

// Appends s's persistent fields (everything but user_slot) for a snapshot record.
void SerializeSession(const Session& s, std::string* out);
// Parses what SerializeSession wrote. False when data is damaged.
bool DeserializeSession(std::string_view data, Session* s);

}  // namespace cachet
