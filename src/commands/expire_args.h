// Parsing of the expiry options shared by SET, GETEX and SETEX/PSETEX (EX, PX, EXAT, PXAT,
// KEEPTTL, PERSIST), with Redis's validation order and error texts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace cachet {

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

struct SetOptions {
  bool nx = false;
  bool xx = false;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
};

enum class SetOptionsFor { kSet, kGetEx };

// Parses args[first..] into *out. Returns false with a syntax error replied.
bool ParseSetOptions(ArgList args, size_t first, SetOptionsFor command, SetOptions* out,
                     ReplyBuilder& reply);

// Converts an EX/PX/EXAT/PXAT argument to an absolute deadline in ms. Returns false with the
// error replied ("value is not an integer" or "invalid expire time in '<cmd>' command").
bool ResolveDeadline(std::string_view arg, ExpireUnit unit, int64_t now_ms,
                     const std::string& command_name, int64_t* deadline_ms, ReplyBuilder& reply);

// The deterministic form of a SET-like write for the append-only log: command key value, then
// KEEPTTL or PXAT <deadline> (no condition, no GET: the replay only applies the outcome).
std::vector<std::string> AbsoluteSetForm(std::string_view command, std::string_view key,
                                         std::string_view value, const SetOptions& o,
                                         int64_t deadline_ms);

}  // namespace cachet
