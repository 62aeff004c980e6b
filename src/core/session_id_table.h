// SessionIdTable: sessions by id — an open-addressing hash table of Session pointers (linear
// probing, backward-shift deletion), so that an entry costs one 8-byte slot instead of a
// separately allocated node, and a lookup reads one slot array and the session itself.
//
// Thread-safety: none; used by SessionTable under its owner's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/session.h"

namespace cachet {

class SessionIdTable {
 public:
  // The session with this id, or nullptr.
  Session* Find(std::string_view id) const;
  // REQUIRES: no session with s->id() is present.
  void Insert(Session* s);
  // REQUIRES: s is present.
  void Erase(const Session* s);
  // Forgets every session (does not free them) and releases the slots.
  void Clear();
  size_t size() const { return size_; }
  // The slots, some null: for walking every session without an order.
  const std::vector<Session*>& slots() const { return slots_; }

 private:
  size_t SlotOf(std::string_view id) const;
  void Grow();

  std::vector<Session*> slots_;  // power-of-two size, or empty
  size_t size_ = 0;
};

}  // namespace cachet
