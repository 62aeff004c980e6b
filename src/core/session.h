// Session: one user session as the session store keeps it — who it belongs to, its JSON data,
// its timestamps, how it expires (rolling idle timeout and absolute lifetime) and what it is
// bound to — plus its snapshot encoding.
//
// Memory layout: a server holds millions of these, so the record is compact. The id (at most
// 32 bytes, as SessionStore makes them) is stored inline, and user, ip, user agent and data
// share one heap buffer instead of four std::strings (each 32 bytes plus its own allocation).
// The strings are therefore read through accessors and replaced with setters.
//
// Thread-safety: plain data; owned by a SessionTable and used under its owner's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cachet {

// What SESSION.GET must present to see the session.
enum SessionBind : uint8_t { kBindNone = 0, kBindIp = 1, kBindUa = 2, kBindBoth = 3 };

const char* SessionBindName(uint8_t bind);
// Parses none|ip|ua|both (case-insensitive).
bool ParseSessionBind(std::string_view text, uint8_t* bind);

class Session {
 public:
  static constexpr size_t kMaxIdLength = 32;

  Session() = default;
  Session(const Session& other);
  Session& operator=(const Session& other);
  Session(Session&& other) noexcept = default;
  Session& operator=(Session&& other) noexcept = default;

  std::string_view id() const { return {id_, id_length_}; }
  std::string_view user() const { return {text_.get(), user_length_}; }
  std::string_view ip() const { return {text_.get() + user_length_, ip_length_}; }
  std::string_view user_agent() const {
    return {text_.get() + user_length_ + ip_length_, user_agent_length_};
  }
  std::string_view data() const {
    return {text_.get() + user_length_ + ip_length_ + user_agent_length_, data_length_};
  }

  // False (and nothing changes) when id is longer than kMaxIdLength.
  bool set_id(std::string_view id);
  // Replaces all four strings at once (one allocation).
  void SetText(std::string_view user, std::string_view ip, std::string_view user_agent,
               std::string_view data);
  void set_user(std::string_view user) { SetText(user, ip(), user_agent(), data()); }
  void set_ip(std::string_view ip) { SetText(user(), ip, user_agent(), data()); }
  void set_user_agent(std::string_view ua) { SetText(user(), ip(), ua, data()); }
  void set_data(std::string_view data) { SetText(user(), ip(), user_agent(), data); }

  // When the session expires unless it is touched first.
  int64_t ExpiresAt() const;
  // What the session costs in memory: the record, its text buffer and its index entries.
  size_t MemoryBytes() const;

  // The order of the last activity among sessions active in the same millisecond (larger is
  // later); set by the SessionTable that holds the session.
  uint64_t activity_seq() const { return activity_seq_; }

  int64_t created_ms = 0;
  int64_t last_active_ms = 0;
  int64_t idle_ms = 0;          // rolling: the session expires idle_ms after its last activity
  int64_t max_lifetime_ms = 0;  // absolute: at most this long after creation; 0 = no limit
  uint8_t bind = kBindNone;

 private:
  // The table and its indexes keep their bookkeeping in the record (no index nodes).
  friend class SessionTable;
  friend class SessionDeadlineHeap;
  friend class SessionActivityList;

  size_t text_length() const {
    return size_t{user_length_} + ip_length_ + user_agent_length_ + data_length_;
  }

  // The members are ordered so that the record fills exactly 128 bytes (an allocator size
  // class) with no padding but one 4-byte hole.
  uint8_t id_length_ = 0;
  uint32_t user_length_ = 0, ip_length_ = 0, user_agent_length_ = 0, data_length_ = 0;
  // SessionTable's bookkeeping (meaningless outside a table, and not copied): the position in
  // the user's index and in the deadline heap, and the neighbours in the activity list.
  uint32_t user_slot_ = 0;
  uint32_t heap_slot_ = 0;
  std::unique_ptr<char[]> text_;  // user, ip, user_agent, data back to back; null when all empty
  Session* less_active_ = nullptr;
  Session* more_active_ = nullptr;
  uint64_t activity_seq_ = 0;  // copied: SessionStore::List sorts copies by it
  char id_[kMaxIdLength] = {};
};

// Appends s's persistent fields (not the table's bookkeeping) for a snapshot record.
void SerializeSession(const Session& s, std::string* out);
// Parses what SerializeSession wrote. False when data is damaged.
bool DeserializeSession(std::string_view data, Session* s);

}  // namespace cachet
