// Hash commands: HSET HMSET HSETNX HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HINCRBY
// HINCRBYFLOAT HSTRLEN HRANDFIELD HSCAN, with Redis 7.0 semantics.
#include <cmath>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/scan_args.h"
#include "core/glob.h"
#include "core/hash_value.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

constexpr ValueType kHash = ValueType::kHash;
constexpr int64_t kMaxRandomCount = 10'000'000;

void CmdHSet(CommandContext& ctx, ArgList args) {
  if (args.size() % 2 != 0) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.command->name + "' command");
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e;
  HashValue* h = FindOrCreateContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &e);
  if (h == nullptr) return;
  int64_t before = static_cast<int64_t>(h->MemoryBytes());
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); i += 2) added += h->Set(args[i], args[i + 1], Limits(ctx));
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyHash, "hset", args[1]);
  if (ArgIs(args[0], "hmset")) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(added);
  }
}

void CmdHSetNx(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (h != nullptr && h->Get(args[2]).has_value()) {
    ctx.reply.Integer(0);
    return;
  }
  if (h == nullptr) {
    h = FindOrCreateContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &e);
  }
  int64_t before = static_cast<int64_t>(h->MemoryBytes());
  h->Set(args[2], args[3], Limits(ctx));
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyHash, "hset", args[1]);
  ctx.reply.Integer(1);
}

void CmdHGet(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  std::optional<std::string_view> v = h ? h->Get(args[2]) : std::nullopt;
  if (v) {
    ctx.reply.Bulk(*v);
  } else {
    ctx.reply.Null();
  }
}

void CmdHMGet(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::optional<std::string_view> v = h ? h->Get(args[i]) : std::nullopt;
    if (v) {
      ctx.reply.Bulk(*v);
    } else {
      ctx.reply.Null();
    }
  }
}

enum class Part { kKeys, kValues, kBoth };

void ReplyAll(CommandContext& ctx, ArgList args, Part part) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  size_t n = h ? h->Size() : 0;
  if (part == Part::kBoth) {
    ctx.reply.MapHeader(n);
  } else {
    ctx.reply.ArrayHeader(n);
  }
  if (h == nullptr) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) ctx.reply.Bulk(f);
    if (part != Part::kKeys) ctx.reply.Bulk(v);
  });
}

void CmdHGetAll(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kBoth); }
void CmdHKeys(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kKeys); }
void CmdHVals(CommandContext& ctx, ArgList args) { ReplyAll(ctx, args, Part::kValues); }

void CmdHDel(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  int64_t removed = 0;
  if (h != nullptr) {
    int64_t before = static_cast<int64_t>(h->MemoryBytes());
    for (size_t i = 2; i < args.size(); ++i) removed += h->Delete(args[i]);
    if (removed > 0) ChangedAndNotify(access, ctx.db(), e, before, kNotifyHash, "hdel", args[1]);
  }
  ctx.reply.Integer(removed);
}

void CmdHExists(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(h != nullptr && h->Get(args[2]).has_value());
}

void CmdHLen(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(h ? static_cast<int64_t>(h->Size()) : 0);
}

void CmdHStrLen(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  std::optional<std::string_view> v = h ? h->Get(args[2]) : std::nullopt;
  ctx.reply.Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void CmdHIncrBy(CommandContext& ctx, ArgList args) {
  int64_t incr;
  if (!ParseIntArg(args[3], &incr, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  int64_t value = 0;
  if (h != nullptr) {
    std::optional<std::string_view> current = h->Get(args[2]);
    if (current && !ParseInt64(*current, &value)) {
      ctx.reply.Error("ERR hash value is not an integer");
      return;
    }
  }
  int64_t result;
  if (__builtin_add_overflow(value, incr, &result)) {
    ctx.reply.Error(errors::kOverflow);
    return;
  }
  if (h == nullptr) {
    h = FindOrCreateContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &e);
  }
  int64_t before = static_cast<int64_t>(h->MemoryBytes());
  h->Set(args[2], Int64ToString(result), Limits(ctx));
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyHash, "hincrby", args[1]);
  ctx.reply.Integer(result);
}

void CmdHIncrByFloat(CommandContext& ctx, ArgList args) {
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.reply.Error("ERR value is NaN or Infinity");
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  long double value = 0;
  if (h != nullptr) {
    std::optional<std::string_view> current = h->Get(args[2]);
    if (current && !ParseLongDouble(*current, &value)) {
      ctx.reply.Error("ERR hash value is not a float");
      return;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(errors::kNaNOrInfinity);
    return;
  }
  std::string text = FormatLongDoubleHuman(value);
  if (h == nullptr) {
    h = FindOrCreateContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &e);
  }
  int64_t before = static_cast<int64_t>(h->MemoryBytes());
  h->Set(args[2], text, Limits(ctx));
  if (PropagationScope::Logging()) {
    PropagationScope::Rewrite({"HSET", std::string(args[1]), std::string(args[2]), text});
  }
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyHash, "hincrbyfloat", args[1]);
  ctx.reply.Bulk(text);
}

void CmdHRandField(CommandContext& ctx, ArgList args) {
  bool with_count = args.size() >= 3;
  int64_t count = 1;
  bool with_values = false;
  if (with_count) {
    if (!ParseIntArg(args[2], &count, ctx.reply)) return;
    if (count == INT64_MIN) {
      ctx.reply.Error(errors::kRandomCountRange);
      return;
    }
    if (args.size() > 4 || (args.size() == 4 && !ArgIs(args[3], "withvalues"))) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    with_values = args.size() == 4;
    // Redis refuses counts whose reply length (two entries per field) would overflow.
    if (with_values && (count < -(INT64_MAX / 2) || count > INT64_MAX / 2)) {
      ctx.reply.Error(errors::kValueOutOfRange);
      return;
    }
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  // Redis would try to build such a reply for an existing hash; cachet refuses negative counts
  // whose reply cannot fit in memory instead of holding the key's lock while it fails.
  if (h != nullptr && count < -kMaxRandomCount) {
    ctx.reply.Error(errors::kValueOutOfRange);
    return;
  }
  if (!with_count) {
    if (h == nullptr) {
      ctx.reply.Null();
    } else {
      thread_local uint64_t seed = 88172645463325252ULL;
      seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
      ctx.reply.Bulk(h->PairAt(seed % h->Size(), seed).first);
    }
    return;
  }
  if (h == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> picked;
  size_t size = h->Size();
  thread_local uint64_t seed = 2463534242ULL;
  auto next = [&] {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return seed;
  };
  if (count < 0) {  // repeats allowed
    for (int64_t i = 0; i < -count; ++i) {
      uint64_t r = next();
      picked.push_back(h->PairAt(r % size, r));
    }
  } else {
    std::vector<std::pair<std::string_view, std::string_view>> all;
    h->ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
    for (size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[next() % i]);
    if (static_cast<size_t>(count) < all.size()) all.resize(static_cast<size_t>(count));
    picked = std::move(all);
  }
  if (with_values && ctx.reply.resp3()) {
    ctx.reply.ArrayHeader(picked.size());
    for (const auto& [f, v] : picked) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(f);
      ctx.reply.Bulk(v);
    }
    return;
  }
  ctx.reply.ArrayHeader(picked.size() * (with_values ? 2 : 1));
  for (const auto& [f, v] : picked) {
    ctx.reply.Bulk(f);
    if (with_values) ctx.reply.Bulk(v);
  }
}

void CmdHScan(CommandContext& ctx, ArgList args) {
  // Redis reads the cursor first, then the key, and the options only for an existing hash.
  ScanArgs scan;
  if (!ParseScanArgs(args.first(3), 2, false, &scan, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const HashValue* h =
      FindContainer<HashValue>(access, ctx.db(), args[1], kHash, ctx.reply, &wrong);
  if (wrong) return;
  if (h == nullptr) {
    ReplyEmptyScan(ctx.reply);
    return;
  }
  if (!ParseScanArgs(args, 2, false, &scan, ctx.reply)) return;
  std::vector<std::pair<std::string_view, std::string_view>> out;
  uint64_t next = h->Scan(scan.cursor, scan.count, [&](std::string_view f, std::string_view v) {
    if (!scan.use_pattern || GlobMatch(scan.pattern, f)) out.emplace_back(f, v);
  });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(static_cast<int64_t>(next)));
  ctx.reply.ArrayHeader(out.size() * 2);
  for (const auto& [f, v] : out) {
    ctx.reply.Bulk(f);
    ctx.reply.Bulk(v);
  }
}

}  // namespace

void RegisterHashFamily(CommandRegistry& r) {
  const char* g = "hash";
  const uint32_t kW = kCmdWrite | kCmdDenyOom | kCmdFast;
  const uint32_t kR = kCmdReadOnly | kCmdFast;
  const char* w = "@write @hash @fast";
  const char* rd = "@read @hash @fast";
  r.Add(MakeCommand(g, "hset", -4, kW, 1, 1, 1, w, "Set the string value of a hash field", "2.0.0",
                    "O(1) for each field/value pair added", CmdHSet));
  r.Add(MakeCommand(g, "hmset", -4, kW, 1, 1, 1, w, "Set multiple hash fields to multiple values",
                    "2.0.0", "O(N)", CmdHSet));
  r.Add(MakeCommand(g, "hsetnx", 4, kW, 1, 1, 1, w,
                    "Set the value of a hash field, only if the field does not exist", "2.0.0",
                    "O(1)", CmdHSetNx));
  r.Add(MakeCommand(g, "hget", 3, kR, 1, 1, 1, rd, "Get the value of a hash field", "2.0.0", "O(1)",
                    CmdHGet));
  r.Add(MakeCommand(g, "hmget", -3, kR, 1, 1, 1, rd, "Get the values of all the given hash fields",
                    "2.0.0", "O(N)", CmdHMGet));
  r.Add(MakeCommand(g, "hgetall", 2, kCmdReadOnly, 1, 1, 1, "@read @hash @slow",
                    "Get all the fields and values in a hash", "2.0.0", "O(N)", CmdHGetAll));
  r.Add(MakeCommand(g, "hkeys", 2, kCmdReadOnly, 1, 1, 1, "@read @hash @slow",
                    "Get all the fields in a hash", "2.0.0", "O(N)", CmdHKeys));
  r.Add(MakeCommand(g, "hvals", 2, kCmdReadOnly, 1, 1, 1, "@read @hash @slow",
                    "Get all the values in a hash", "2.0.0", "O(N)", CmdHVals));
  r.Add(MakeCommand(g, "hdel", -3, kCmdWrite | kCmdFast, 1, 1, 1, w,
                    "Delete one or more hash fields", "2.0.0", "O(N)", CmdHDel));
  r.Add(MakeCommand(g, "hexists", 3, kR, 1, 1, 1, rd, "Determine if a hash field exists", "2.0.0",
                    "O(1)", CmdHExists));
  r.Add(MakeCommand(g, "hlen", 2, kR, 1, 1, 1, rd, "Get the number of fields in a hash", "2.0.0",
                    "O(1)", CmdHLen));
  r.Add(MakeCommand(g, "hstrlen", 3, kR, 1, 1, 1, rd, "Get the length of the value of a hash field",
                    "3.2.0", "O(1)", CmdHStrLen));
  r.Add(MakeCommand(g, "hincrby", 4, kW, 1, 1, 1, w,
                    "Increment the integer value of a hash field by the given number", "2.0.0",
                    "O(1)", CmdHIncrBy));
  r.Add(MakeCommand(g, "hincrbyfloat", 4, kW, 1, 1, 1, w,
                    "Increment the float value of a hash field by the given amount", "2.6.0",
                    "O(1)", CmdHIncrByFloat));
  r.Add(MakeCommand(g, "hrandfield", -2, kCmdReadOnly, 1, 1, 1, "@read @hash @slow",
                    "Get one or multiple random fields from a hash", "6.2.0", "O(N)",
                    CmdHRandField));
  r.Add(MakeCommand(g, "hscan", -3, kCmdReadOnly, 1, 1, 1, "@read @hash @slow",
                    "Incrementally iterate hash fields and associated values", "2.8.0",
                    "O(1) per call", CmdHScan));
}

}  // namespace cachet
