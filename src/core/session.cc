// Session storage (inline id, one text buffer), expiry arithmetic, memory estimate and
// snapshot encoding.
#include "core/session.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/varint.h"

namespace cachet {
namespace {

// Per session besides the record and its text: the id table slot (8 bytes at a load factor
// between 3/8 and 3/4), the deadline heap entry (16 bytes, vector slack included) and the
// user index slot (8 bytes, vector slack included).
constexpr size_t kIndexOverhead = 16 + 24 + 16;
// What an allocation costs beyond its length rounded up to 8 bytes, on average (jemalloc's
// size classes are at most 25% apart; a 210-byte buffer takes 224).
constexpr size_t kAllocatorRounding = 8;

// The record is one allocator size class; a member added carelessly would move it to the next
// (160 bytes with jemalloc) for every session.
static_assert(sizeof(Session) <= 128, "Session outgrew its size class");

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

bool GetFixed64(std::string_view s, size_t* pos, int64_t* v) {
  if (s.size() - *pos < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i)
    r |= static_cast<uint64_t>(static_cast<uint8_t>(s[*pos + i])) << (8 * i);
  *pos += 8;
  *v = static_cast<int64_t>(r);
  return true;
}

uint32_t Length32(std::string_view s) { return static_cast<uint32_t>(s.size()); }

}  // namespace

const char* SessionBindName(uint8_t bind) {
  switch (bind) {
    case kBindIp:
      return "ip";
    case kBindUa:
      return "ua";
    case kBindBoth:
      return "both";
    default:
      return "none";
  }
}

bool ParseSessionBind(std::string_view text, uint8_t* bind) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (uint8_t b : {kBindNone, kBindIp, kBindUa, kBindBoth}) {
    if (lower == SessionBindName(b)) {
      *bind = b;
      return true;
    }
  }
  return false;
}

Session::Session(const Session& other)
    : created_ms(other.created_ms),
      last_active_ms(other.last_active_ms),
      idle_ms(other.idle_ms),
      max_lifetime_ms(other.max_lifetime_ms),
      bind(other.bind),
      activity_seq_(other.activity_seq_) {
  set_id(other.id());
  SetText(other.user(), other.ip(), other.user_agent(), other.data());
}

Session& Session::operator=(const Session& other) {
  if (this != &other) *this = Session(other);
  return *this;
}

bool Session::set_id(std::string_view id) {
  if (id.size() > kMaxIdLength) return false;
  std::memcpy(id_, id.data(), id.size());
  id_length_ = static_cast<uint8_t>(id.size());
  return true;
}

void Session::SetText(std::string_view user, std::string_view ip, std::string_view user_agent,
                      std::string_view data) {
  size_t total = user.size() + ip.size() + user_agent.size() + data.size();
  // Built aside first: the arguments may view the buffer being replaced.
  std::unique_ptr<char[]> text;
  if (total > 0) {
    text.reset(new char[total]);
    char* p = text.get();
    for (std::string_view part : {user, ip, user_agent, data}) {
      if (!part.empty()) std::memcpy(p, part.data(), part.size());
      p += part.size();
    }
  }
  text_ = std::move(text);
  user_length_ = Length32(user);
  ip_length_ = Length32(ip);
  user_agent_length_ = Length32(user_agent);
  data_length_ = Length32(data);
}

int64_t Session::ExpiresAt() const {
  int64_t idle_deadline = last_active_ms + idle_ms;
  if (max_lifetime_ms <= 0) return idle_deadline;
  return std::min(idle_deadline, created_ms + max_lifetime_ms);
}

size_t Session::MemoryBytes() const {
  // The text buffer at the allocator's 8-byte granularity, plus its average rounding up to a
  // size class.
  size_t text_bytes = text_ ? (text_length() + 7) / 8 * 8 + kAllocatorRounding : 0;
  return sizeof(Session) + kIndexOverhead + text_bytes;
}

void SerializeSession(const Session& s, std::string* out) {
  PutLengthPrefixed(out, s.id());
  PutLengthPrefixed(out, s.user());
  PutFixed64(out, static_cast<uint64_t>(s.created_ms));
  PutFixed64(out, static_cast<uint64_t>(s.last_active_ms));
  PutFixed64(out, static_cast<uint64_t>(s.idle_ms));
  PutFixed64(out, static_cast<uint64_t>(s.max_lifetime_ms));
  out->push_back(static_cast<char>(s.bind));
  PutLengthPrefixed(out, s.ip());
  PutLengthPrefixed(out, s.user_agent());
  PutLengthPrefixed(out, s.data());
}

bool DeserializeSession(std::string_view data, Session* s) {
  size_t pos = 0;
  std::string_view id, user, ip, user_agent, json;
  if (!GetLengthPrefixed(data, &pos, &id) || !GetLengthPrefixed(data, &pos, &user) ||
      !GetFixed64(data, &pos, &s->created_ms) || !GetFixed64(data, &pos, &s->last_active_ms) ||
      !GetFixed64(data, &pos, &s->idle_ms) || !GetFixed64(data, &pos, &s->max_lifetime_ms) ||
      pos >= data.size()) {
    return false;
  }
  s->bind = static_cast<uint8_t>(data[pos++]);
  if (s->bind > kBindBoth || !GetLengthPrefixed(data, &pos, &ip) ||
      !GetLengthPrefixed(data, &pos, &user_agent) || !GetLengthPrefixed(data, &pos, &json)) {
    return false;
  }
  if (pos != data.size() || id.empty() || !s->set_id(id) || user.empty() || s->idle_ms <= 0 ||
      s->max_lifetime_ms < 0) {
    return false;
  }
  s->SetText(user, ip, user_agent, json);
  return true;
}

}  // namespace cachet
