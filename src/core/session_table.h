// SessionTable: every session and the indexes over them — by id, by user, by deadline and by
// last activity — which each mutation below keeps consistent, so no index can hold a session
// the table no longer has. Times are passed in; nothing here reads a clock.
//
// Thread-safety: none; the session store (engine/session_store.h) holds its mutex around
// every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/session.h"

namespace cachet {

class SessionTable {
 public:
  SessionTable() = default;
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  // Stores s, replacing a session with the same id. Returns the stored record.
  Session* Insert(Session s);
  // The session with this id, live or not; nullptr if absent.
  Session* Find(std::string_view id) const;
  // Records activity at now_ms (moves the idle deadline).
  void Touch(Session* s, int64_t now_ms);
  void SetData(Session* s, std::string data);
  void Remove(Session* s);
  void Clear();

  // The user's sessions in no particular order (empty if none).
  const std::vector<Session*>& UserSessions(std::string_view user) const;
  size_t CountFor(std::string_view user) const { return UserSessions(user).size(); }
  // The user's least recently active session, or nullptr.
  Session* LeastActiveOf(std::string_view user) const;
  // The least recently active session of all, or nullptr.
  Session* LeastActive() const;
  // The session that expires first, or nullptr.
  Session* NextToExpire() const;

  size_t size() const { return by_id_.size(); }
  size_t users() const { return by_user_.size(); }
  int64_t memory_bytes() const { return memory_bytes_; }
  // Calls fn on every session (in no particular order). fn must not change the table.
  void ForEach(const std::function<void(const Session&)>& fn) const;

 private:
  using Index = std::set<std::pair<int64_t, Session*>>;
  using ActivityIndex = std::set<std::tuple<int64_t, uint64_t, Session*>>;
  void Unindex(Session* s);
  void IndexTimes(Session* s);

  std::unordered_map<std::string_view, std::unique_ptr<Session>> by_id_;  // key views s->id
  std::unordered_map<std::string, std::vector<Session*>> by_user_;
  Index by_deadline_;          // (ExpiresAt, session)
  ActivityIndex by_activity_;  // (last_active_ms, activity_seq, session)
  uint64_t next_seq_ = 0;
  int64_t memory_bytes_ = 0;
};

}  // namespace cachet
