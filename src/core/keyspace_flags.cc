// notify-keyspace-events parsing and printing, with Redis's letters and canonical order.
#include "core/keyspace_flags.h"

namespace cachet {
namespace {

struct Letter {
  char c;
  uint32_t flag;
};
// In the order Redis prints them (after 'A' or the class letters come K, E and m).
constexpr Letter kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew},
};

}  // namespace

bool ParseKeyspaceEventFlags(std::string_view text, uint32_t* flags) {
  uint32_t out = 0;
  for (char c : text) {
    switch (c) {
      case 'A':
        out |= kNotifyAll;
        continue;
      case 'K':
        out |= kNotifyKeyspace;
        continue;
      case 'E':
        out |= kNotifyKeyevent;
        continue;
      case 'm':
        out |= kNotifyKeyMiss;
        continue;
      default:
        break;
    }
    bool known = false;
    for (const Letter& l : kClassLetters) {
      if (l.c == c) {
        out |= l.flag;
        known = true;
      }
    }
    if (!known) return false;
  }
  *flags = out;
  return true;
}

std::string KeyspaceEventFlagsToString(uint32_t flags) {
  std::string s;
  if ((flags & kNotifyAll) == kNotifyAll) {
    s += 'A';  // Redis drops 'n' here, even when it is set
  } else {
    for (const Letter& l : kClassLetters) {
      if (flags & l.flag) s += l.c;
    }
  }
  if (flags & kNotifyKeyspace) s += 'K';
  if (flags & kNotifyKeyevent) s += 'E';
  if (flags & kNotifyKeyMiss) s += 'm';
  return s;
}

}  // namespace cachet
