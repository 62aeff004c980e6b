// SessionActivityList: every session ordered by last activity — (last_active_ms, then the
// order of activity within one millisecond) — as an intrusive doubly linked list through the
// sessions themselves (Session::less_active_ / more_active_), least active at the head.
//
// Activity normally happens "now", the latest time of all, so placing a session is unlinking
// it and appending it at the tail: O(1), no allocation, no tree walk. Activity at an older
// time (SESSION.RESTORE / TOUCHAT replay, a clock stepping back) walks back from the tail a
// bounded number of steps; farther than that, the session is appended anyway and the list is
// marked unsorted, to be sorted once (O(n log n)) when its order is next read — so loading a
// snapshot or log in any order stays O(n log n) overall rather than O(n^2).
//
// Thread-safety: none; used by SessionTable under its owner's lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/session.h"

namespace cachet {

class SessionActivityList {
 public:
  // Places s (not in the list) by its last_active_ms, after every session active at the same
  // millisecond, and gives it the next activity sequence number.
  void Add(Session* s);
  // REQUIRES: s is in the list.
  void Remove(Session* s);
  // The least recently active session, or nullptr.
  Session* Least();
  // The least recently active session first; follow Session::more_active_ to the next.
  Session* InOrder() {
    Sort();
    return head_;
  }
  void Clear();

 private:
  // How far Add walks back from the tail before giving up on keeping the list sorted.
  static constexpr int kMaxWalkBack = 32;

  static bool Before(const Session* a, const Session* b);
  void LinkAfter(Session* prev, Session* s);  // prev == nullptr: at the head
  void Sort();

  Session* head_ = nullptr;  // least active
  Session* tail_ = nullptr;  // most active
  size_t size_ = 0;
  uint64_t next_seq_ = 0;
  bool sorted_ = true;
};

}  // namespace cachet
