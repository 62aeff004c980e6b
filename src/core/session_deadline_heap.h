// SessionDeadlineHeap: which session expires first — a binary min-heap of (key, session) whose
// entries the sessions point back to (Session::heap_slot_), with lazy re-keying.
//
// Invariant: every entry's key <= its session's ExpiresAt(). A touch only moves a deadline
// later, which keeps the invariant without touching the heap, so the hot path is O(1); only
// a deadline that moves earlier (SESSION.TOUCHAT to an older time, a clock stepping back)
// re-keys and sifts up. Top() re-keys stale tops (key < ExpiresAt()) and sifts them down
// until the top's key is exact: since every other key is >= the top's and every deadline is
// >= its key, that top is then exactly the session that expires first.
//
// Thread-safety: none; used by SessionTable under its owner's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/session.h"

namespace cachet {

class SessionDeadlineHeap {
 public:
  void Push(Session* s);
  // REQUIRES: s is in the heap. O(log n).
  void Erase(Session* s);
  // Call after s's deadline may have changed. O(1) unless it moved earlier.
  void DeadlineChanged(Session* s);
  // The session with the smallest ExpiresAt() (ties in no particular order), or nullptr.
  // Amortized O(log n): each stale key is fixed once.
  Session* Top();
  void Clear();
  size_t size() const { return items_.size(); }

 private:
  struct Item {
    int64_t key;
    Session* session;
  };
  void Place(size_t slot, Item item);
  void SiftUp(size_t slot);
  void SiftDown(size_t slot);

  std::vector<Item> items_;
};

}  // namespace cachet
