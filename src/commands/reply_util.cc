// Reply helpers and the OpStatus -> error text map.
#include "commands/reply_util.h"

#include "base/numbers.h"
#include "commands/errors.h"

namespace cachet {

const char* errors::ErrorText(OpStatus status) {
  switch (status) {
    case OpStatus::kWrongType:
      return kWrongType;
    case OpStatus::kNotAnInteger:
      return kNotInteger;
    case OpStatus::kNotAFloat:
      return kNotFloat;
    case OpStatus::kOutOfRange:
      return kNotInteger;
    case OpStatus::kOverflow:
      return kOverflow;
    case OpStatus::kSyntaxError:
      return kSyntax;
    case OpStatus::kOutOfMemory:
      return kOutOfMemory;
    case OpStatus::kNaNOrInfinity:
      return kNaNOrInfinity;
    case OpStatus::kStringTooLong:
      return kStringTooLong;
    case OpStatus::kKeyNotFound:
      return kNoSuchKey;
    case OpStatus::kSessionLimit:
      return kSessionLimit;
    default:
      return "ERR internal error";
  }
}

void ReplyError(ReplyBuilder& reply, OpStatus status) { reply.Error(errors::ErrorText(status)); }

bool ParseIntArg(std::string_view arg, int64_t* out, ReplyBuilder& reply) {
  if (ParseInt64(arg, out)) return true;
  reply.Error(errors::kNotInteger);
  return false;
}

}  // namespace cachet

namespace cachet {

bool ParseInt32Arg(std::string_view arg, int64_t* out, ReplyBuilder& reply) {
  if (!ParseIntArg(arg, out, reply)) return false;
  if (*out < INT32_MIN || *out > INT32_MAX) {
    reply.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  return true;
}

}  // namespace cachet
