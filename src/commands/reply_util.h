// Small reply helpers shared by the families.
#pragma once

#include "base/status.h"
#include "commands/command.h"
#include "core/entry.h"

namespace cachet {

// Replies with the error for a failed status. REQUIRES: status is an error.
void ReplyError(ReplyBuilder& reply, OpStatus status);

// Replies WRONGTYPE and returns true when e holds something other than a string.
inline bool NotAString(const Entry* e, ReplyBuilder& reply) {
  if (e != nullptr && e->type() != ValueType::kString) {
    reply.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
    return true;
  }
  return false;
}

// Parses an integer argument, replying "value is not an integer or out of range" on failure.
bool ParseIntArg(std::string_view arg, int64_t* out, ReplyBuilder& reply);
// An int-sized argument (getIntFromObjectOrReply): out of int range is its own error.
bool ParseInt32Arg(std::string_view arg, int64_t* out, ReplyBuilder& reply);

}  // namespace cachet
