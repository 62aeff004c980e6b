// SET/GETEX option parsing.
#include "commands/expire_args.h"

#include "base/numbers.h"
#include "commands/errors.h"

namespace cachet {

bool ParseSetOptions(ArgList args, size_t first, SetOptionsFor command, SetOptions* o,
                     ReplyBuilder& reply) {
  const bool is_set = command == SetOptionsFor::kSet;
  for (size_t j = first; j < args.size(); ++j) {
    std::string_view a = args[j];
    bool has_next = j + 1 < args.size();
    bool has_expire = o->unit != ExpireUnit::kNone;
    auto expire_allowed = [&](ExpireUnit unit) {
      // The same unit may repeat (the last one wins); mixing units is a syntax error.
      return !o->keep_ttl && !o->persist && (!has_expire || o->unit == unit) && has_next;
    };
    if (ArgIs(a, "nx") && !o->xx && is_set) {
      o->nx = true;
    } else if (ArgIs(a, "xx") && !o->nx && is_set) {
      o->xx = true;
    } else if (ArgIs(a, "get") && is_set) {
      o->get = true;
    } else if (ArgIs(a, "keepttl") && !o->persist && !has_expire && is_set) {
      o->keep_ttl = true;
    } else if (ArgIs(a, "persist") && !is_set && !has_expire && !o->keep_ttl) {
      o->persist = true;
    } else if (ArgIs(a, "ex") && expire_allowed(ExpireUnit::kEx)) {
      o->unit = ExpireUnit::kEx;
      o->expire_arg = args[++j];
    } else if (ArgIs(a, "px") && expire_allowed(ExpireUnit::kPx)) {
      o->unit = ExpireUnit::kPx;
      o->expire_arg = args[++j];
    } else if (ArgIs(a, "exat") && expire_allowed(ExpireUnit::kExAt)) {
      o->unit = ExpireUnit::kExAt;
      o->expire_arg = args[++j];
    } else if (ArgIs(a, "pxat") && expire_allowed(ExpireUnit::kPxAt)) {
      o->unit = ExpireUnit::kPxAt;
      o->expire_arg = args[++j];
    } else {
      reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

bool ResolveDeadline(std::string_view arg, ExpireUnit unit, int64_t now_ms,
                     const std::string& command_name, int64_t* deadline_ms, ReplyBuilder& reply) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v)) {
    reply.Error(errors::kNotInteger);
    return false;
  }
  bool seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt;
  bool relative = unit == ExpireUnit::kEx || unit == ExpireUnit::kPx;
  bool bad = v <= 0 || (seconds && v > INT64_MAX / 1000);
  if (!bad) {
    if (seconds) v *= 1000;
    if (relative) bad = __builtin_add_overflow(v, now_ms, &v);
  }
  if (bad || v <= 0) {
    reply.Error("ERR invalid expire time in '" + command_name + "' command");
    return false;
  }
  *deadline_ms = v;
  return true;
}

std::vector<std::string> AbsoluteSetForm(std::string_view command, std::string_view key,
                                         std::string_view value, const SetOptions& o,
                                         int64_t deadline_ms) {
  std::vector<std::string> out = {std::string(command), std::string(key), std::string(value)};
  if (o.keep_ttl) {
    out.push_back("KEEPTTL");
  } else if (deadline_ms >= 0) {
    out.push_back("PXAT");
    out.push_back(Int64ToString(deadline_ms));
  }
  return out;
}

}  // namespace cachet
