// Session expiry arithmetic, memory estimate and snapshot encoding.
#include "core/session.h"

#include <algorithm>
#include <cctype>

#include "core/varint.h"

namespace cachet {
namespace {

// Per session besides the strings: the id map node, two ordered-index nodes and the user
// index slot.
constexpr size_t kIndexOverhead = 3 * 48 + 16;

size_t HeapBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;  // beyond the small-string buffer
}

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

bool GetOwned(std::string_view s, size_t* pos, std::string* out) {
  std::string_view view;
  if (!GetLengthPrefixed(s, pos, &view)) return false;
  out->assign(view);
  return true;
}

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

int64_t Session::ExpiresAt() const {
  int64_t idle_deadline = last_active_ms + idle_ms;
  if (max_lifetime_ms <= 0) return idle_deadline;
  return std::min(idle_deadline, created_ms + max_lifetime_ms);
}

size_t Session::MemoryBytes() const {
  return sizeof(Session) + kIndexOverhead + HeapBytes(id) + HeapBytes(user) + HeapBytes(data) +
         HeapBytes(ip) + HeapBytes(user_agent);
}

void SerializeSession(const Session& s, std::string* out) {
  PutLengthPrefixed(out, s.id);
  PutLengthPrefixed(out, s.user);
  PutFixed64(out, static_cast<uint64_t>(s.created_ms));
  PutFixed64(out, static_cast<uint64_t>(s.last_active_ms));
  PutFixed64(out, static_cast<uint64_t>(s.idle_ms));
  PutFixed64(out, static_cast<uint64_t>(s.max_lifetime_ms));
  out->push_back(static_cast<char>(s.bind));
  PutLengthPrefixed(out, s.ip);
  PutLengthPrefixed(out, s.user_agent);
  PutLengthPrefixed(out, s.data);
}

bool DeserializeSession(std::string_view data, Session* s) {
  size_t pos = 0;
  if (!GetOwned(data, &pos, &s->id) || !GetOwned(data, &pos, &s->user) ||
      !GetFixed64(data, &pos, &s->created_ms) || !GetFixed64(data, &pos, &s->last_active_ms) ||
      !GetFixed64(data, &pos, &s->idle_ms) || !GetFixed64(data, &pos, &s->max_lifetime_ms) ||
      pos >= data.size()) {
    return false;
  }
  s->bind = static_cast<uint8_t>(data[pos++]);
  if (s->bind > kBindBoth || !GetOwned(data, &pos, &s->ip) ||
      !GetOwned(data, &pos, &s->user_agent) || !GetOwned(data, &pos, &s->data)) {
    return false;
  }
  return pos == data.size() && !s->id.empty() && !s->user.empty() && s->idle_ms > 0 &&
         s->max_lifetime_ms >= 0;
}

}  // namespace cachet
