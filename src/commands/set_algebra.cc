// Set algebra: SUNION SINTER SDIFF, SUNIONSTORE SINTERSTORE SDIFFSTORE and SINTERCARD, with
// Redis 7.0 semantics. Results are built the way Redis builds them (a set that starts as an
// intset and converts as members are added), so stored results get Redis's encoding and replies
// of all-integer results come in Redis's ascending order. Every command locks all its keys.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "core/set_value.h"

namespace cachet {
namespace {

constexpr ValueType kSet = ValueType::kSet;

// The sets at keys (nullptr for a missing key, which acts as an empty set). Replies WRONGTYPE
// and returns false when any key holds another type. Store commands look keys up as writes
// (no keyspace hit/miss counted), as Redis does.
bool LoadSets(KeyAccess& access, CommandContext& ctx, ArgList keys, bool store,
              std::vector<const SetValue*>* sets) {
  sets->clear();
  for (std::string_view key : keys) {
    Entry* e = store ? access.Find(ctx.db(), key) : access.FindRead(ctx.db(), key);
    if (e != nullptr && e->type() != kSet) {
      ctx.reply.Error(errors::kWrongType);
      return false;
    }
    sets->push_back(e ? static_cast<const SetValue*>(e->container()) : nullptr);
  }
  return true;
}

std::unique_ptr<SetValue> Union(const std::vector<const SetValue*>& sets,
                                const EncodingLimits& limits) {
  auto result = std::make_unique<SetValue>();
  for (const SetValue* s : sets) {
    if (s != nullptr) s->ForEach([&](std::string_view m) { result->Add(m, limits); });
  }
  return result;
}

std::unique_ptr<SetValue> Diff(const std::vector<const SetValue*>& sets,
                               const EncodingLimits& limits) {
  auto result = std::make_unique<SetValue>();
  const SetValue* first = sets[0];
  if (first == nullptr) return result;
  // The first set minus itself is empty.
  if (std::find(sets.begin() + 1, sets.end(), first) != sets.end()) return result;
  // Redis picks one of two algorithms by estimated work; they differ in what the result set
  // held on the way (and so in its final encoding), so pick the same way.
  uint64_t per_member_work = 0, total_work = 0;
  for (const SetValue* s : sets) {
    if (s == nullptr) continue;
    per_member_work += first->Size();
    total_work += s->Size();
  }
  if (per_member_work / 2 <= total_work) {
    // Members of the first set found in no other set.
    first->ForEach([&](std::string_view m) {
      for (size_t j = 1; j < sets.size(); ++j) {
        if (sets[j] != nullptr && sets[j]->Contains(m)) return;
      }
      result->Add(m, limits);
    });
    return result;
  }
  // The first set, then remove the members of every other set.
  first->ForEach([&](std::string_view m) { result->Add(m, limits); });
  for (size_t j = 1; j < sets.size() && result->Size() > 0; ++j) {
    if (sets[j] != nullptr) sets[j]->ForEach([&](std::string_view m) { result->Remove(m); });
  }
  return result;
}

// Calls emit(member) for each member of the intersection, in the order of the smallest set
// (the first of the smallest in argument order, as Redis's sort leaves it), until emit returns
// false. Nothing when a set is missing.
template <typename F>
void Intersect(std::vector<const SetValue*> sets, F&& emit) {
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return;
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->Size() < b->Size(); });
  bool stop = false;
  sets[0]->ForEach([&](std::string_view m) {
    if (stop) return;
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != sets[0] && !sets[j]->Contains(m)) return;
    }
    stop = !emit(m);
  });
}

// Replaces dst (whatever it holds) with result, or deletes it when result is empty; replies
// with the result's size. The keyspace event is the command's name ("sunionstore", ...).
void Store(KeyAccess& access, CommandContext& ctx, std::string_view dst,
           std::unique_ptr<SetValue> result) {
  auto size = static_cast<int64_t>(result->Size());
  bool existed = access.Delete(ctx.db(), dst);
  if (size > 0) {
    access.CreateContainer(ctx.db(), dst, std::move(result), KeyAccess::kNoDeadline);
    access.Notify(kNotifySet, ctx.command->name, ctx.db(), dst);
  } else if (existed) {
    access.Notify(kNotifyGeneric, "del", ctx.db(), dst);
  }
  ctx.reply.Integer(size);
}

void ReplySet(CommandContext& ctx, const SetValue& s) {
  ctx.reply.SetHeader(s.Size());
  s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

enum class Op { kUnion, kDiff };

void UnionOrDiff(CommandContext& ctx, ArgList args, Op op, bool store) {
  ArgList keys = args.subspan(1);
  ArgList sources = store ? keys.subspan(1) : keys;
  KeyAccess access(ctx.engine(), keys);
  std::vector<const SetValue*> sets;
  if (!LoadSets(access, ctx, sources, store, &sets)) return;
  std::unique_ptr<SetValue> result =
      op == Op::kUnion ? Union(sets, Limits(ctx)) : Diff(sets, Limits(ctx));
  if (store) {
    Store(access, ctx, keys[0], std::move(result));
  } else {
    ReplySet(ctx, *result);
  }
}

void CmdSUnion(CommandContext& ctx, ArgList args) { UnionOrDiff(ctx, args, Op::kUnion, false); }
void CmdSDiff(CommandContext& ctx, ArgList args) { UnionOrDiff(ctx, args, Op::kDiff, false); }
void CmdSUnionStore(CommandContext& ctx, ArgList args) { UnionOrDiff(ctx, args, Op::kUnion, true); }
void CmdSDiffStore(CommandContext& ctx, ArgList args) { UnionOrDiff(ctx, args, Op::kDiff, true); }

void CmdSInter(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  std::vector<const SetValue*> sets;
  if (!LoadSets(access, ctx, keys, false, &sets)) return;
  std::vector<std::string> members;
  Intersect(sets, [&](std::string_view m) {
    members.emplace_back(m);
    return true;
  });
  ctx.reply.SetHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

void CmdSInterStore(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  std::vector<const SetValue*> sets;
  if (!LoadSets(access, ctx, keys.subspan(1), true, &sets)) return;
  auto result = std::make_unique<SetValue>();
  Intersect(sets, [&](std::string_view m) {
    result->Add(m, Limits(ctx));
    return true;
  });
  Store(access, ctx, keys[0], std::move(result));
}

void CmdSInterCard(CommandContext& ctx, ArgList args) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys) || numkeys < 1) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 2) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;  // 0: no limit
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < args.size(); ++i) {
    if (ArgIs(args[i], "limit") && i + 1 < args.size()) {
      ++i;
      if (!ParseInt64(args[i], &limit) || limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  ArgList keys = args.subspan(2, static_cast<size_t>(numkeys));
  KeyAccess access(ctx.engine(), keys);
  std::vector<const SetValue*> sets;
  if (!LoadSets(access, ctx, keys, false, &sets)) return;
  int64_t cardinality = 0;
  Intersect(sets, [&](std::string_view) { return ++cardinality != limit; });
  ctx.reply.Integer(cardinality);
}

}  // namespace

void RegisterSetAlgebraCommands(CommandRegistry& r) {
  const char* g = "set";
  const char* rd = "@read @set @slow";
  const char* w = "@write @set @slow";
  const uint32_t kStore = kCmdWrite | kCmdDenyOom;
  r.Add(MakeCommand(g, "sunion", -2, kCmdReadOnly, 1, -1, 1, rd, "Add multiple sets", "1.0.0",
                    "O(N)", CmdSUnion));
  r.Add(MakeCommand(g, "sinter", -2, kCmdReadOnly, 1, -1, 1, rd, "Intersect multiple sets", "1.0.0",
                    "O(N*M)", CmdSInter));
  r.Add(MakeCommand(g, "sdiff", -2, kCmdReadOnly, 1, -1, 1, rd, "Subtract multiple sets", "1.0.0",
                    "O(N)", CmdSDiff));
  r.Add(MakeCommand(g, "sunionstore", -3, kStore, 1, -1, 1, w,
                    "Add multiple sets and store the resulting set in a key", "1.0.0", "O(N)",
                    CmdSUnionStore));
  r.Add(MakeCommand(g, "sinterstore", -3, kStore, 1, -1, 1, w,
                    "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                    "O(N*M)", CmdSInterStore));
  r.Add(MakeCommand(g, "sdiffstore", -3, kStore, 1, -1, 1, w,
                    "Subtract multiple sets and store the resulting set in a key", "1.0.0", "O(N)",
                    CmdSDiffStore));
  r.Add(MakeCommand(g, "sintercard", -3, kCmdReadOnly, 0, 0, 0, rd,
                    "Intersect multiple sets and return the cardinality of the result", "7.0.0",
                    "O(N*M)", CmdSInterCard));
}

}  // namespace cachet
