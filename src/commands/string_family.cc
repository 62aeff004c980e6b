// String commands: GET SET SETNX SETEX PSETEX GETEX GETDEL GETSET MGET MSET MSETNX INCR DECR
// INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE LCS, with Redis 7.0
// semantics. Values are read through StringValue, so compressed ones read as their original
// bytes; APPEND and SETRANGE turn a compressed value raw first (docs/compression.md).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/numbers.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"
#include "config/config.h"
#include "core/lcs.h"
#include "core/string_value.h"
#include "engine/key_access.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

int64_t MaxStringLength(CommandContext& ctx) {
  return ctx.server.config->GetInt("proto-max-bulk-len");
}

// Adds delta to the integer stored at key (creating it as 0). Keeps the TTL.
Result<int64_t> OpIncrBy(KeyAccess& access, int db, std::string_view key, int64_t delta) {
  Entry* e = access.Find(db, key);
  int64_t value = 0;
  if (e != nullptr) {
    if (e->type() != ValueType::kString) return OpStatus::kWrongType;
    if (!ParseInt64(StringValue(e), &value)) return OpStatus::kNotAnInteger;
  }
  int64_t result;
  if (__builtin_add_overflow(value, delta, &result)) return OpStatus::kOverflow;
  char buf[21];
  int len = FormatInt64(result, buf);
  std::string_view text(buf, len);
  access.SetString(db, key, text, Encoding::kInt, KeyAccess::kKeepDeadline, /*keep_tags=*/true);
  access.Notify(kNotifyString, "incrby", db, key);
  return result;
}

Result<std::string> OpIncrByFloat(KeyAccess& access, int db, std::string_view key,
                                  long double delta) {
  Entry* e = access.Find(db, key);
  long double value = 0;
  if (e != nullptr) {
    if (e->type() != ValueType::kString) return OpStatus::kWrongType;
    if (!ParseLongDouble(StringValue(e), &value)) return OpStatus::kNotAFloat;
  }
  value += delta;
  if (std::isnan(value) || std::isinf(value)) return OpStatus::kNaNOrInfinity;
  std::string text = FormatLongDoubleHuman(value);
  Encoding enc = text.size() <= 44 ? Encoding::kEmbStr : Encoding::kRaw;
  // Replaying the increment could round differently: log the result.
  PropagationScope::Rewrite({"SET", std::string(key), text, "KEEPTTL"});
  access.SetString(db, key, text, enc, KeyAccess::kKeepDeadline, /*keep_tags=*/true);
  access.Notify(kNotifyString, "incrbyfloat", db, key);
  return text;
}

void ReplyEntryValue(ReplyBuilder& reply, const Entry* e) {
  if (e == nullptr) {
    reply.Null();
  } else {
    reply.Bulk(StringValue(e));
  }
}

void CmdGet(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.FindRead(ctx.db(), args[1]);
  if (NotAString(e, ctx.reply)) return;
  ReplyEntryValue(ctx.reply, e);
}

// The shared body of SET, SETNX, SETEX, PSETEX and GETSET.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const SetOptions& o, const std::string& command_name, bool reply_int) {
  KeyAccess access(ctx.engine(), key);
  int64_t deadline = KeyAccess::kNoDeadline;
  if (o.unit != ExpireUnit::kNone &&
      !ResolveDeadline(o.expire_arg, o.unit, access.now(), command_name, &deadline, ctx.reply)) {
    return;
  }
  Entry* e = access.Find(ctx.db(), key);
  if (o.get) {
    if (NotAString(e, ctx.reply)) return;
    ReplyEntryValue(ctx.reply, e);
  }
  if ((o.nx && e != nullptr) || (o.xx && e == nullptr)) {
    if (reply_int) {
      ctx.reply.Integer(0);
    } else if (!o.get) {
      ctx.reply.Null();
    }
    return;
  }
  if (PropagationScope::Logging()) {
    PropagationScope::Rewrite(AbsoluteSetForm("SET", key, value, o, deadline));
  }
  if (o.keep_ttl) deadline = KeyAccess::kKeepDeadline;
  access.SetString(ctx.db(), key, value, ChooseStringEncoding(value), deadline);
  access.Notify(kNotifyString, "set", ctx.db(), key);
  if (o.unit != ExpireUnit::kNone) access.Notify(kNotifyGeneric, "expire", ctx.db(), key);
  if (reply_int) {
    ctx.reply.Integer(1);
  } else if (!o.get) {
    ctx.reply.Ok();
  }
}

void CmdSet(CommandContext& ctx, ArgList args) {
  SetOptions o;
  if (!ParseSetOptions(args, 3, SetOptionsFor::kSet, &o, ctx.reply)) return;
  SetGeneric(ctx, args[1], args[2], o, "set", false);
}

void CmdSetNx(CommandContext& ctx, ArgList args) {
  SetOptions o;
  o.nx = true;
  SetGeneric(ctx, args[1], args[2], o, "setnx", true);
}

void CmdSetEx(CommandContext& ctx, ArgList args) {
  SetOptions o;
  o.unit = ArgIs(args[0], "psetex") ? ExpireUnit::kPx : ExpireUnit::kEx;
  o.expire_arg = args[2];
  SetGeneric(ctx, args[1], args[3], o, ctx.command->name, false);
}

void CmdGetSet(CommandContext& ctx, ArgList args) {
  SetOptions o;
  o.get = true;
  SetGeneric(ctx, args[1], args[2], o, "getset", false);
}

void CmdGetEx(CommandContext& ctx, ArgList args) {
  SetOptions o;
  if (!ParseSetOptions(args, 2, SetOptionsFor::kGetEx, &o, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.FindRead(ctx.db(), args[1]);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (NotAString(e, ctx.reply)) return;
  int64_t deadline = KeyAccess::kNoDeadline;
  if (o.unit != ExpireUnit::kNone &&
      !ResolveDeadline(o.expire_arg, o.unit, access.now(), "getex", &deadline, ctx.reply)) {
    return;
  }
  ctx.reply.Bulk(StringValue(e));
  bool absolute = o.unit == ExpireUnit::kExAt || o.unit == ExpireUnit::kPxAt;
  std::string key(args[1]);
  if (absolute && deadline <= access.now()) {
    PropagationScope::Rewrite({"DEL", key});
    access.DeleteEntry(ctx.db(), e);
    access.Notify(kNotifyGeneric, "del", ctx.db(), key);
  } else if (o.unit != ExpireUnit::kNone) {
    PropagationScope::Rewrite({"PEXPIREAT", key, Int64ToString(deadline)});
    access.SetDeadline(ctx.db(), e, deadline);
    access.Notify(kNotifyGeneric, "expire", ctx.db(), key);
  } else if (o.persist && e->has_expire()) {
    PropagationScope::Rewrite({"PERSIST", key});
    access.SetDeadline(ctx.db(), e, KeyAccess::kNoDeadline);
    access.Notify(kNotifyGeneric, "persist", ctx.db(), key);
  }
}

void CmdGetDel(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.FindRead(ctx.db(), args[1]);
  if (NotAString(e, ctx.reply)) return;
  ReplyEntryValue(ctx.reply, e);
  if (e != nullptr) {
    access.DeleteEntry(ctx.db(), e);
    access.Notify(kNotifyGeneric, "del", ctx.db(), args[1]);
  }
}

void CmdMGet(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view key : keys) {
    Entry* e = access.FindRead(ctx.db(), key);
    if (e == nullptr || e->type() != ValueType::kString) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(StringValue(e));
    }
  }
}

void MSetGeneric(CommandContext& ctx, ArgList args, bool nx) {
  if (args.size() % 2 == 0) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.command->name + "' command");
    return;
  }
  std::vector<std::string_view> keys;
  for (size_t i = 1; i < args.size(); i += 2) keys.push_back(args[i]);
  KeyAccess access(ctx.engine(), keys);
  if (nx) {
    for (std::string_view key : keys) {
      if (access.Find(ctx.db(), key, false) != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    access.SetString(ctx.db(), args[i], args[i + 1], ChooseStringEncoding(args[i + 1]),
                     KeyAccess::kNoDeadline);
    access.Notify(kNotifyString, "set", ctx.db(), args[i]);
  }
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void CmdMSet(CommandContext& ctx, ArgList args) { MSetGeneric(ctx, args, false); }
void CmdMSetNx(CommandContext& ctx, ArgList args) { MSetGeneric(ctx, args, true); }

void IncrGeneric(CommandContext& ctx, std::string_view key, int64_t delta) {
  KeyAccess access(ctx.engine(), key);
  Result<int64_t> r = OpIncrBy(access, ctx.db(), key, delta);
  if (!r.ok()) {
    ReplyError(ctx.reply, r.status());
    return;
  }
  ctx.reply.Integer(*r);
}

void CmdIncr(CommandContext& ctx, ArgList args) { IncrGeneric(ctx, args[1], 1); }
void CmdDecr(CommandContext& ctx, ArgList args) { IncrGeneric(ctx, args[1], -1); }

void CmdIncrBy(CommandContext& ctx, ArgList args) {
  int64_t delta;
  if (!ParseIntArg(args[2], &delta, ctx.reply)) return;
  IncrGeneric(ctx, args[1], delta);
}

void CmdDecrBy(CommandContext& ctx, ArgList args) {
  int64_t delta;
  if (!ParseIntArg(args[2], &delta, ctx.reply)) return;
  if (delta == INT64_MIN) {
    ctx.reply.Error(errors::kDecrOverflow);
    return;
  }
  IncrGeneric(ctx, args[1], -delta);
}

void CmdIncrByFloat(CommandContext& ctx, ArgList args) {
  long double delta;
  if (!ParseLongDouble(args[2], &delta)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  Result<std::string> r = OpIncrByFloat(access, ctx.db(), args[1], delta);
  if (!r.ok()) {
    ReplyError(ctx.reply, r.status());
    return;
  }
  ctx.reply.Bulk(*r);
}

// Room to leave after a growing value, like Redis's string preallocation.
size_t GrowthReserve(size_t new_len) { return std::min<size_t>(new_len, 1024 * 1024); }

void CmdAppend(CommandContext& ctx, ArgList args) {
  std::string_view key = args[1], value = args[2];
  KeyAccess access(ctx.engine(), key);
  Entry* e = access.Find(ctx.db(), key);
  if (e == nullptr) {
    access.SetString(ctx.db(), key, value, ChooseStringEncoding(value), KeyAccess::kNoDeadline);
    access.Notify(kNotifyString, "append", ctx.db(), key);
    ctx.reply.Integer(static_cast<int64_t>(value.size()));
    return;
  }
  if (NotAString(e, ctx.reply)) return;
  size_t old_len = StringLength(e);
  size_t new_len = old_len + value.size();
  if (static_cast<int64_t>(new_len) > MaxStringLength(ctx)) {
    ctx.reply.Error(errors::kStringTooLong);
    return;
  }
  e = access.Inflate(ctx.db(), e);
  size_t reserve = new_len > e->value_capacity() ? GrowthReserve(new_len) : 0;
  e = access.ResizeValue(ctx.db(), e, new_len, reserve);
  if (!value.empty()) memcpy(e->mutable_value() + old_len, value.data(), value.size());
  e->set_encoding(Encoding::kRaw);
  access.Notify(kNotifyString, "append", ctx.db(), key);
  ctx.reply.Integer(static_cast<int64_t>(new_len));
}

void CmdStrLen(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.FindRead(ctx.db(), args[1]);
  if (NotAString(e, ctx.reply)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(StringLength(e)));
}

void CmdGetRange(CommandContext& ctx, ArgList args) {
  int64_t start, end;
  if (!ParseIntArg(args[2], &start, ctx.reply) || !ParseIntArg(args[3], &end, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.FindRead(ctx.db(), args[1]);
  if (e == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  if (NotAString(e, ctx.reply)) return;
  std::string_view s = StringValue(e);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx, ArgList args) {
  std::string_view key = args[1], value = args[3];
  int64_t offset;
  if (!ParseIntArg(args[2], &offset, ctx.reply)) return;
  if (offset < 0) {
    ctx.reply.Error(errors::kOffsetOutOfRange);
    return;
  }
  KeyAccess access(ctx.engine(), key);
  Entry* e = access.Find(ctx.db(), key);
  if (NotAString(e, ctx.reply)) return;
  size_t old_len = e ? StringLength(e) : 0;
  if (value.empty()) {
    // Redis still reports an existing key as changed.
    if (e != nullptr) access.Notify(kNotifyString, "setrange", ctx.db(), key);
    ctx.reply.Integer(static_cast<int64_t>(old_len));
    return;
  }
  if (offset > MaxStringLength(ctx) - static_cast<int64_t>(value.size())) {
    ctx.reply.Error(errors::kStringTooLong);
    return;
  }
  size_t needed = static_cast<size_t>(offset) + value.size();
  if (e != nullptr) e = access.Inflate(ctx.db(), e);
  if (e == nullptr) {
    e = access.CreateString(ctx.db(), key, needed, 0, Encoding::kRaw, KeyAccess::kNoDeadline);
    memset(e->mutable_value(), 0, needed);
  } else if (needed > old_len) {
    size_t reserve = needed > e->value_capacity() ? GrowthReserve(needed) : 0;
    e = access.ResizeValue(ctx.db(), e, needed, reserve);
    memset(e->mutable_value() + old_len, 0, needed - old_len);
  }
  memcpy(e->mutable_value() + offset, value.data(), value.size());
  e->set_encoding(Encoding::kRaw);
  access.ValueChanged(ctx.db(), e);
  access.Notify(kNotifyString, "setrange", ctx.db(), key);
  ctx.reply.Integer(static_cast<int64_t>(e->value_len()));
}

struct LcsOptions {
  bool len = false, idx = false, with_match_len = false;
  int64_t min_match_len = 0;
};

bool ParseLcsOptions(ArgList args, LcsOptions* o, ReplyBuilder& reply) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "idx")) {
      o->idx = true;
    } else if (ArgIs(args[i], "len")) {
      o->len = true;
    } else if (ArgIs(args[i], "withmatchlen")) {
      o->with_match_len = true;
    } else if (ArgIs(args[i], "minmatchlen") && i + 1 < args.size()) {
      if (!ParseIntArg(args[++i], &o->min_match_len, reply)) return false;
      o->min_match_len = std::max<int64_t>(0, o->min_match_len);
    } else {
      reply.Error(errors::kSyntax);
      return false;
    }
  }
  if (o->idx && o->len) {
    reply.Error(errors::kLcsLenAndIdx);
    return false;
  }
  return true;
}

void ReplyLcsRanges(ReplyBuilder& reply, const LcsResult& r, bool with_match_len) {
  reply.MapHeader(2);
  reply.Bulk("matches");
  reply.ArrayHeader(r.ranges.size());
  for (const LcsRange& m : r.ranges) {
    reply.ArrayHeader(with_match_len ? 3 : 2);
    reply.ArrayHeader(2);
    reply.Integer(m.a_start);
    reply.Integer(m.a_end);
    reply.ArrayHeader(2);
    reply.Integer(m.b_start);
    reply.Integer(m.b_end);
    if (with_match_len) reply.Integer(m.length());
  }
  reply.Bulk("len");
  reply.Integer(r.length);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]. The values are copied out under
// the locks; the quadratic table is computed after releasing them.
void CmdLcs(CommandContext& ctx, ArgList args) {
  std::string a, b;
  {
    std::string_view keys[] = {args[1], args[2]};
    KeyAccess access(ctx.engine(), keys);
    Entry* ea = access.FindRead(ctx.db(), args[1]);
    Entry* eb = access.FindRead(ctx.db(), args[2]);
    if ((ea != nullptr && ea->type() != ValueType::kString) ||
        (eb != nullptr && eb->type() != ValueType::kString)) {
      ctx.reply.Error(errors::kLcsNotStrings);
      return;
    }
    if (ea != nullptr) a = StringValue(ea);
    if (eb != nullptr) b = StringValue(eb);
  }
  LcsOptions o;
  if (!ParseLcsOptions(args, &o, ctx.reply)) return;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.reply.Error(errors::kLcsTooLong);
    return;
  }
  if (LcsTableBytes(a.size(), b.size()) > static_cast<uint64_t>(MaxStringLength(ctx))) {
    ctx.reply.Error(errors::kLcsTooMuchMemory);
    return;
  }
  LcsResult r = ComputeLcs(a, b, !o.len && !o.idx, o.idx, o.min_match_len);
  if (o.idx) {
    ReplyLcsRanges(ctx.reply, r, o.with_match_len);
  } else if (o.len) {
    ctx.reply.Integer(r.length);
  } else {
    ctx.reply.Bulk(r.text);
  }
}

}  // namespace

void RegisterStringFamily(CommandRegistry& r) {
  const uint32_t kW = kCmdWrite | kCmdDenyOom;
  const uint32_t kR = kCmdReadOnly;
  r.Add(MakeCommand("string", "get", 2, kR | kCmdFast, 1, 1, 1, "@read @string @fast",
                    "Get the value of a key", "1.0.0", "O(1)", CmdGet));
  r.Add(MakeCommand("string", "set", -3, kW, 1, 1, 1, "@write @string @slow",
                    "Set the string value of a key", "1.0.0", "O(1)", CmdSet));
  r.Add(MakeCommand("string", "setnx", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)",
                    CmdSetNx));
  r.Add(MakeCommand("string", "setex", 4, kW, 1, 1, 1, "@write @string @slow",
                    "Set the value and expiration of a key", "2.0.0", "O(1)", CmdSetEx));
  r.Add(MakeCommand("string", "psetex", 4, kW, 1, 1, 1, "@write @string @slow",
                    "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)",
                    CmdSetEx));
  r.Add(MakeCommand("string", "getex", -2, kCmdWrite | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)",
                    CmdGetEx));
  r.Add(MakeCommand("string", "getdel", 2, kCmdWrite | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Get the value of a key and delete the key", "6.2.0", "O(1)", CmdGetDel));
  r.Add(MakeCommand("string", "getset", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Set the string value of a key and return its old value", "1.0.0", "O(1)",
                    CmdGetSet));
  r.Add(MakeCommand("string", "mget", -2, kR | kCmdFast, 1, -1, 1, "@read @string @fast",
                    "Get the values of all the given keys", "1.0.0", "O(N)", CmdMGet));
  r.Add(MakeCommand("string", "mset", -3, kW, 1, -1, 2, "@write @string @slow",
                    "Set multiple keys to multiple values", "1.0.1", "O(N)", CmdMSet));
  r.Add(MakeCommand("string", "msetnx", -3, kW, 1, -1, 2, "@write @string @slow",
                    "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
                    "O(N)", CmdMSetNx));
  r.Add(MakeCommand("string", "incr", 2, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Increment the integer value of a key by one", "1.0.0", "O(1)", CmdIncr));
  r.Add(MakeCommand("string", "decr", 2, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Decrement the integer value of a key by one", "1.0.0", "O(1)", CmdDecr));
  r.Add(MakeCommand("string", "incrby", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Increment the integer value of a key by the given amount", "1.0.0", "O(1)",
                    CmdIncrBy));
  r.Add(MakeCommand("string", "decrby", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Decrement the integer value of a key by the given number", "1.0.0", "O(1)",
                    CmdDecrBy));
  r.Add(MakeCommand("string", "incrbyfloat", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Increment the float value of a key by the given amount", "2.6.0", "O(1)",
                    CmdIncrByFloat));
  r.Add(MakeCommand("string", "append", 3, kW | kCmdFast, 1, 1, 1, "@write @string @fast",
                    "Append a value to a key", "2.0.0", "O(1)", CmdAppend));
  r.Add(MakeCommand("string", "strlen", 2, kR | kCmdFast, 1, 1, 1, "@read @string @fast",
                    "Get the length of the value stored in a key", "2.2.0", "O(1)", CmdStrLen));
  r.Add(MakeCommand("string", "getrange", 4, kR, 1, 1, 1, "@read @string @slow",
                    "Get a substring of the string stored at a key", "2.4.0", "O(N)", CmdGetRange));
  r.Add(MakeCommand("string", "substr", 4, kR, 1, 1, 1, "@read @string @slow",
                    "Get a substring of the string stored at a key", "1.0.0", "O(N)", CmdGetRange));
  r.Add(MakeCommand("string", "setrange", 4, kW, 1, 1, 1, "@write @string @slow",
                    "Overwrite part of a string at key starting at the specified offset", "2.2.0",
                    "O(1)", CmdSetRange));
  r.Add(MakeCommand("string", "lcs", -3, kR, 1, 2, 1, "@read @string @slow",
                    "Find longest common substring", "7.0.0", "O(N*M)", CmdLcs));
}

}  // namespace cachet
