// SessionTable: every session and the indexes over them — by id, by user, by deadline and by
// last activity — which each mutation below keeps consistent, so no index can hold a session
// the table no longer has. Times are passed in; nothing here reads a clock.
//
// The indexes are chosen so that the hot path (a lookup and a touch, on every SESSION.GET)
// does no tree operation and no allocation: an open-addressing id table, a lazily re-keyed
// deadline heap and an intrusive activity list (see their headers).
//
// Thread-safety: none; the session store (engine/session_store.h) holds its mutex around
// every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/session.h"
#include "core/session_activity_list.h"
#include "core/session_deadline_heap.h"
#include "core/session_id_table.h"

namespace cachet {

class SessionTable {
 public:
  SessionTable() = default;
  ~SessionTable() { Clear(); }
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  // Stores s, replacing a session with the same id. Returns the stored record.
  Session* Insert(Session s);
  // The session with this id, live or not; nullptr if absent.
  Session* Find(std::string_view id) const;
  // Records activity at now_ms (moves the idle deadline).
  void Touch(Session* s, int64_t now_ms);
  void SetData(Session* s, std::string_view data);
  void Remove(Session* s);
  void Clear();

  // The user's sessions in no particular order (empty if none).
  const std::vector<Session*>& UserSessions(std::string_view user) const;
  size_t CountFor(std::string_view user) const { return UserSessions(user).size(); }
  // The user's least recently active session, or nullptr.
  Session* LeastActiveOf(std::string_view user) const;
  // The least recently active session of all, or nullptr. (Not const: it may sort the
  // activity list after out-of-order restores.)
  Session* LeastActive() { return by_activity_.Least(); }
  // The session that expires first, or nullptr. (Not const: it may re-key the heap.)
  Session* NextToExpire() { return by_deadline_.Top(); }

  size_t size() const { return by_id_.size(); }
  size_t users() const { return by_user_.size(); }
  int64_t memory_bytes() const { return memory_bytes_; }
  // Calls fn on every session, least recently active first (so that restoring them in this
  // order rebuilds the same activity order, ties within a millisecond included). fn must not
  // change the table.
  void ForEach(const std::function<void(const Session&)>& fn);

 private:
  SessionIdTable by_id_;  // owns the sessions (Insert allocates, Remove and Clear free)
  std::unordered_map<std::string, std::vector<Session*>> by_user_;
  SessionDeadlineHeap by_deadline_;
  SessionActivityList by_activity_;
  int64_t memory_bytes_ = 0;
};

}  // namespace cachet
