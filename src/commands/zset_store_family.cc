// Sorted set algebra: ZUNIONSTORE ZINTERSTORE ZDIFFSTORE (WEIGHTS, AGGREGATE SUM|MIN|MAX) and
// their reply forms ZUNION ZINTER ZDIFF (WITHSCORES) and ZINTERCARD (LIMIT). Inputs are sorted
// sets or plain sets (members score 1, as in Redis). Inputs are combined
// in Redis's order (smallest input first for union and intersection), so that floating-point
// sums, NaN handling (inf * 0, inf + -inf give 0) and -0 come out bit for bit as Redis's.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/zset_util.h"
#include "core/set_value.h"
#include "core/zset_value.h"

namespace cachet {
namespace {

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a plain set (every member scores 1, as in Redis) or a missing key.
struct Source {
  const ZSetValue* z = nullptr;
  const SetValue* set = nullptr;
  std::vector<std::string> set_members;  // a set's members, owned (views into them are kept)
  double weight = 1;
  size_t size() const { return z ? z->Size() : set_members.size(); }
  bool same(const Source& other) const {
    return (z != nullptr && z == other.z) || (set != nullptr && set == other.set);
  }
  std::optional<double> Score(std::string_view member) const {
    if (z != nullptr) return z->Score(member);
    if (set != nullptr && set->Contains(member)) return 1.0;
    return std::nullopt;
  }
  template <typename F>
  void ForEach(F&& f) const {
    if (z != nullptr) {
      z->ForEach(f);
      return;
    }
    for (const std::string& m : set_members) f(std::string_view(m), 1.0);
  }
};

void AggregateInto(double* target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

// Member -> score of the result, built in Redis's order.
using Accumulator = std::unordered_map<std::string_view, double>;

void Union(const std::vector<Source>& src, Aggregate how, Accumulator* out) {
  for (const Source& s : src) {
    s.ForEach([&](std::string_view member, double score) {
      double value = s.weight * score;
      if (std::isnan(value)) value = 0;
      auto [it, inserted] = out->try_emplace(member, value);
      if (!inserted) AggregateInto(&it->second, value, how);
    });
  }
}

void Inter(const std::vector<Source>& src, Aggregate how, Accumulator* out) {
  if (src[0].size() == 0) return;
  src[0].ForEach([&](std::string_view member, double score) {
    double total = src[0].weight * score;
    if (std::isnan(total)) total = 0;
    for (size_t j = 1; j < src.size(); ++j) {
      // Redis does not clear a NaN product here (MIN / MAX then ignore it; SUM turns it to 0).
      std::optional<double> other =
          src[j].same(src[0]) ? std::optional<double>(score) : src[j].Score(member);
      if (!other) return;
      AggregateInto(&total, *other * src[j].weight, how);
    }
    out->emplace(member, total);
  });
}

void Diff(const std::vector<Source>& src, Accumulator* out) {
  if (src[0].size() == 0) return;
  src[0].ForEach([&](std::string_view member, double score) {
    for (size_t j = 1; j < src.size(); ++j) {
      if (src[j].Score(member)) return;
    }
    out->emplace(member, score);
  });
}

// Looks up one input: a sorted set or a set. Replies WRONGTYPE and returns false otherwise.
bool FindSource(KeyAccess& access, int db, std::string_view key, ReplyBuilder& reply, Source* out) {
  Entry* e = access.FindRead(db, key);
  if (e == nullptr) return true;
  if (e->type() == kZSetType) {
    out->z = static_cast<const ZSetValue*>(e->container());
  } else if (e->type() == ValueType::kSet) {
    out->set = static_cast<const SetValue*>(e->container());
    out->set_members.reserve(out->set->Size());
    out->set->ForEach([&](std::string_view m) { out->set_members.emplace_back(m); });
  } else {
    reply.Error(errors::kWrongType);
    return false;
  }
  return true;
}

// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE (store) and ZUNION / ZINTER / ZDIFF / ZINTERCARD.
void SetOpGeneric(CommandContext& ctx, ArgList args, SetOp op, bool store, bool card_only) {
  size_t numkeys_index = store ? 2 : 1;
  int64_t numkeys;
  if (!ParseIntArg(args[numkeys_index], &numkeys, ctx.reply)) return;
  if (numkeys < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + ctx.command->name + "' command");
    return;
  }
  if (static_cast<uint64_t>(numkeys) > args.size() - (numkeys_index + 1)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  size_t first_key = numkeys_index + 1;
  std::vector<std::string_view> keys(args.begin() + first_key, args.begin() + first_key + numkeys);
  if (store) keys.push_back(args[1]);
  KeyAccess access(ctx.engine(), std::span<const std::string_view>(keys));

  // Redis looks the inputs up (WRONGTYPE first) before it reads the options.
  std::vector<Source> src(static_cast<size_t>(numkeys));
  for (size_t i = 0; i < src.size(); ++i) {
    if (!FindSource(access, ctx.db(), args[first_key + i], ctx.reply, &src[i])) return;
  }
  Aggregate how = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;
  size_t j = first_key + src.size();
  while (j < args.size()) {
    size_t remaining = args.size() - j;
    bool algebra = op != SetOp::kDiff && !card_only;
    if (algebra && remaining >= src.size() + 1 && ArgIs(args[j], "weights")) {
      ++j;
      for (Source& s : src) {
        if (!ParseDouble(args[j++], &s.weight)) {
          ctx.reply.Error("ERR weight value is not a float");
          return;
        }
      }
    } else if (algebra && remaining >= 2 && ArgIs(args[j], "aggregate")) {
      std::string_view name = args[j + 1];
      if (ArgIs(name, "sum")) {
        how = Aggregate::kSum;
      } else if (ArgIs(name, "min")) {
        how = Aggregate::kMin;
      } else if (ArgIs(name, "max")) {
        how = Aggregate::kMax;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      j += 2;
    } else if (!store && !card_only && ArgIs(args[j], "withscores")) {
      with_scores = true;
      ++j;
    } else if (card_only && remaining >= 2 && ArgIs(args[j], "limit")) {
      if (!ParseInt64(args[j + 1], &limit) || limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
      j += 2;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }

  // Smallest inputs first (a stable sort, as glibc's qsort is for these sizes).
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  Accumulator acc;
  switch (op) {
    case SetOp::kUnion:
      Union(src, how, &acc);
      break;
    case SetOp::kInter:
      Inter(src, how, &acc);
      break;
    case SetOp::kDiff:
      Diff(src, &acc);
      break;
  }
  if (card_only) {
    int64_t n = static_cast<int64_t>(acc.size());
    ctx.reply.Integer(limit > 0 ? std::min(n, limit) : n);
    return;
  }
  if (!store) {
    // Redis replies from the skiplist it built, so scores are never rewritten (-0 stays -0).
    std::vector<ScoredMember> items(acc.begin(), acc.end());
    std::sort(items.begin(), items.end(), [](const ScoredMember& a, const ScoredMember& b) {
      return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
    ReplyScored(ctx.reply, items, with_scores);
    return;
  }
  auto result = std::make_unique<ZSetValue>();
  size_t longest = 0;
  for (const auto& [member, score] : acc) longest = std::max(longest, member.size());
  result->PrepareFor(acc.size(), longest, Limits(ctx));
  for (const auto& [member, score] : acc) {
    double ignored;
    result->Add(member, score, 0, Limits(ctx), &ignored);
  }
  StoreZSet(access, ctx.db(), args[1], std::move(result), ctx.reply, ctx.command->name);
}

void CmdZUnionStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kUnion, true, false);
}
void CmdZInterStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kInter, true, false);
}
void CmdZDiffStore(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kDiff, true, false);
}
void CmdZUnion(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kUnion, false, false);
}
void CmdZInter(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kInter, false, false);
}
void CmdZDiff(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kDiff, false, false);
}
void CmdZInterCard(CommandContext& ctx, ArgList args) {
  SetOpGeneric(ctx, args, SetOp::kInter, false, true);
}

}  // namespace

void RegisterZSetStoreCommands(CommandRegistry& r) {
  const char* g = "sorted-set";
  const char* ws = "@write @sortedset @slow";
  const char* rs = "@read @sortedset @slow";
  const uint32_t kW = kCmdWrite | kCmdDenyOom;
  r.Add(MakeCommand(g, "zunionstore", -4, kW, 1, 1, 1, ws,
                    "Add multiple sorted sets and store the resulting sorted set in a new key",
                    "2.0.0",
                    "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
                    "sets, and M being the number of elements in the resulting sorted set.",
                    CmdZUnionStore));
  r.Add(MakeCommand(g, "zinterstore", -4, kW, 1, 1, 1, ws,
                    "Intersect multiple sorted sets and store the resulting sorted set in a new "
                    "key",
                    "2.0.0",
                    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                    "being the number of input sorted sets and M being the number of elements in "
                    "the resulting sorted set.",
                    CmdZInterStore));
  r.Add(MakeCommand(g, "zdiffstore", -4, kW, 1, 1, 1, ws,
                    "Subtract multiple sorted sets and store the resulting sorted set in a new "
                    "key",
                    "6.2.0",
                    "O(L + (N-K)log(N)) worst case where L is the total number of elements in "
                    "all the sets, N is the size of the first set, and K is the size of the "
                    "result set.",
                    CmdZDiffStore));
  r.Add(MakeCommand(g, "zunion", -3, kCmdReadOnly, 0, 0, 0, rs, "Add multiple sorted sets", "6.2.0",
                    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted "
                    "sets, and M being the number of elements in the resulting sorted set.",
                    CmdZUnion));
  r.Add(MakeCommand(g, "zinter", -3, kCmdReadOnly, 0, 0, 0, rs, "Intersect multiple sorted sets",
                    "6.2.0",
                    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                    "being the number of input sorted sets and M being the number of elements in "
                    "the resulting sorted set.",
                    CmdZInter));
  r.Add(MakeCommand(g, "zdiff", -3, kCmdReadOnly, 0, 0, 0, rs, "Subtract multiple sorted sets",
                    "6.2.0",
                    "O(L + (N-K)log(N)) worst case where L is the total number of elements in "
                    "all the sets, N is the size of the first set, and K is the size of the "
                    "result set.",
                    CmdZDiff));
  r.Add(MakeCommand(g, "zintercard", -3, kCmdReadOnly, 0, 0, 0, rs,
                    "Intersect multiple sorted sets and return the cardinality of the result",
                    "7.0.0",
                    "O(N*K) worst case with N being the smallest input sorted set, K being the "
                    "number of input sorted sets.",
                    CmdZInterCard));
}

}  // namespace cachet
