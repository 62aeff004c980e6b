// Sorted set range commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE,
// ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZREVRANGE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX. Option parsing, its error order and the range rules follow
// Redis 7.0's zrangeGenericCommand.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/zset_util.h"
#include "core/zset_value.h"

namespace cachet {
namespace {

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Normalises rank arguments as Redis does (negative from the end, clamped); false when the range
// is empty. On success [*start, *end] are valid 0-based ranks.
bool ClampRanks(int64_t size, int64_t* start, int64_t* end) {
  if (*start < 0) *start += size;
  if (*end < 0) *end += size;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= size) return false;
  if (*end >= size) *end = size - 1;
  return true;
}

// Collects the members of a rank, score or lex range of z in reply order.
struct RangeQuery {
  RangeType type = RangeType::kRank;
  bool reverse = false;
  int64_t start = 0;  // ranks
  int64_t end = 0;
  ZScoreRange score;
  ZLexRange lex;
  int64_t offset = 0;  // LIMIT
  int64_t count = -1;

  void Run(const ZSetValue& z, std::vector<ScoredMember>* out) const {
    auto emit = [&](std::string_view m, double s) { out->emplace_back(m, s); };
    switch (type) {
      case RangeType::kAuto:
      case RangeType::kRank: {
        int64_t size = static_cast<int64_t>(z.Size());
        int64_t a = start, b = end;
        if (!ClampRanks(size, &a, &b)) return;
        // Reverse ranks count from the highest score.
        if (reverse) {
          z.RangeByRank(static_cast<size_t>(size - 1 - b), static_cast<size_t>(size - 1 - a), true,
                        emit);
        } else {
          z.RangeByRank(static_cast<size_t>(a), static_cast<size_t>(b), false, emit);
        }
        return;
      }
      case RangeType::kScore:
        z.RangeByScore(score, reverse, offset, count, emit);
        return;
      case RangeType::kLex:
        z.RangeByLex(lex, reverse, offset, count, emit);
        return;
    }
  }
};

// ZRANGE and its relatives. args[key_index] is the source key; ZRANGESTORE (store) has the
// destination at args[1]. type / direction are fixed by the legacy commands and kAuto for
// ZRANGE / ZRANGESTORE, where BYSCORE / BYLEX / REV choose them.
void RangeGeneric(CommandContext& ctx, ArgList args, size_t key_index, bool store, RangeType type,
                  Direction direction) {
  size_t min_index = key_index + 1, max_index = key_index + 2;
  bool with_scores = false;
  RangeQuery q;
  for (size_t j = key_index + 3; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    if (!store && ArgIs(args[j], "withscores")) {
      with_scores = true;
    } else if (ArgIs(args[j], "limit") && left >= 2) {
      if (!ParseIntArg(args[j + 1], &q.offset, ctx.reply) ||
          !ParseIntArg(args[j + 2], &q.count, ctx.reply)) {
        return;
      }
      j += 2;
    } else if (direction == Direction::kAuto && ArgIs(args[j], "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && ArgIs(args[j], "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && ArgIs(args[j], "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  q.type = type;
  q.reverse = direction == Direction::kReverse;
  // Redis tells "no LIMIT" by a count of -1, so "LIMIT x -1" passes with a rank range.
  if (q.count != -1 && type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (with_scores && type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  if (q.reverse && type != RangeType::kRank) std::swap(min_index, max_index);  // [max, min]
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ParseIntArg(args[min_index], &q.start, ctx.reply) ||
          !ParseIntArg(args[max_index], &q.end, ctx.reply)) {
        return;
      }
      break;
    case RangeType::kScore:
      if (!ParseZScoreRange(args[min_index], args[max_index], &q.score)) {
        ctx.reply.Error(zset_errors::kNotFloatRange);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseZLexRange(args[min_index], args[max_index], &q.lex)) {
        ctx.reply.Error(zset_errors::kNotLexRange);
        return;
      }
      break;
  }

  std::array<std::string_view, 2> keys = {args[1], args[key_index]};
  KeyAccess access(ctx.engine(), std::span<const std::string_view>(keys.data(), store ? 2 : 1));
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[key_index], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  std::vector<ScoredMember> items;
  if (z != nullptr) q.Run(*z, &items);
  if (!store) {
    ReplyScored(ctx.reply, items, with_scores);
    return;
  }
  // Added one by one in reply order, as Redis does: the encoding converts when the limits are
  // crossed, exactly where Redis's does. For a rank range Redis knows the length first and
  // starts with a skiplist when it exceeds the listpack limit (which matters for -0 scores).
  auto result = std::make_unique<ZSetValue>();
  if (type == RangeType::kRank) result->PrepareFor(items.size(), 0, Limits(ctx));
  for (const auto& [member, score] : items) {
    double ignored;
    result->Add(member, score, 0, Limits(ctx), &ignored);
  }
  StoreZSet(access, ctx.db(), args[1], std::move(result), ctx.reply, ctx.command->name);
}

void CmdZRange(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kAuto, Direction::kAuto);
}
void CmdZRangeStore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 2, true, RangeType::kAuto, Direction::kAuto);
}
void CmdZRevRange(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kRank, Direction::kReverse);
}
void CmdZRangeByScore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kScore, Direction::kForward);
}
void CmdZRevRangeByScore(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kScore, Direction::kReverse);
}
void CmdZRangeByLex(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kLex, Direction::kForward);
}
void CmdZRevRangeByLex(CommandContext& ctx, ArgList args) {
  RangeGeneric(ctx, args, 1, false, RangeType::kLex, Direction::kReverse);
}

void RemoveRangeGeneric(CommandContext& ctx, ArgList args, RangeType type) {
  int64_t start = 0, end = 0;
  ZScoreRange score;
  ZLexRange lex;
  if (type == RangeType::kRank) {
    if (!ParseIntArg(args[2], &start, ctx.reply) || !ParseIntArg(args[3], &end, ctx.reply)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseZScoreRange(args[2], args[3], &score)) {
      ctx.reply.Error(zset_errors::kNotFloatRange);
      return;
    }
  } else if (!ParseZLexRange(args[2], args[3], &lex)) {
    ctx.reply.Error(zset_errors::kNotLexRange);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (z == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t before = static_cast<int64_t>(z->MemoryBytes());
  size_t removed = 0;
  if (type == RangeType::kRank) {
    if (ClampRanks(static_cast<int64_t>(z->Size()), &start, &end)) {
      removed = z->RemoveRangeByRank(static_cast<size_t>(start), static_cast<size_t>(end));
    }
  } else if (type == RangeType::kScore) {
    removed = z->RemoveRangeByScore(score);
  } else {
    removed = z->RemoveRangeByLex(lex);
  }
  if (removed > 0) {
    ChangedAndNotify(access, ctx.db(), e, before, kNotifyZset, ctx.command->name, args[1]);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void CmdZRemRangeByRank(CommandContext& ctx, ArgList args) {
  RemoveRangeGeneric(ctx, args, RangeType::kRank);
}
void CmdZRemRangeByScore(CommandContext& ctx, ArgList args) {
  RemoveRangeGeneric(ctx, args, RangeType::kScore);
}
void CmdZRemRangeByLex(CommandContext& ctx, ArgList args) {
  RemoveRangeGeneric(ctx, args, RangeType::kLex);
}

}  // namespace

void RegisterZSetRangeCommands(CommandRegistry& r) {
  const char* g = "sorted-set";
  const char* rs = "@read @sortedset @slow";
  const char* ws = "@write @sortedset @slow";
  const char* log_range =
      "O(log(N)+M) with N the number of elements in the sorted set and M the "
      "number of elements returned";
  r.Add(MakeCommand(g, "zrange", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set", "1.2.0", log_range, CmdZRange));
  r.Add(MakeCommand(g, "zrangestore", -5, kCmdWrite | kCmdDenyOom, 1, 2, 1, ws,
                    "Store a range of members from sorted set into another key", "6.2.0",
                    "O(log(N)+M) with N the number of elements in the sorted set and M the number "
                    "of elements stored into the destination key",
                    CmdZRangeStore));
  r.Add(MakeCommand(g, "zrevrange", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set, by index, with scores ordered "
                    "from high to low",
                    "1.2.0", log_range, CmdZRevRange));
  r.Add(MakeCommand(g, "zrangebyscore", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set, by score", "1.0.5", log_range,
                    CmdZRangeByScore));
  r.Add(MakeCommand(g, "zrevrangebyscore", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set, by score, with scores ordered "
                    "from high to low",
                    "2.2.0", log_range, CmdZRevRangeByScore));
  r.Add(MakeCommand(g, "zrangebylex", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
                    log_range, CmdZRangeByLex));
  r.Add(MakeCommand(g, "zrevrangebylex", -4, kCmdReadOnly, 1, 1, 1, rs,
                    "Return a range of members in a sorted set, by lexicographical range, ordered "
                    "from higher to lower strings.",
                    "2.8.9", log_range, CmdZRevRangeByLex));
  const char* log_removed =
      "O(log(N)+M) with N the number of elements in the sorted set and M the "
      "number of elements removed by the operation";
  r.Add(MakeCommand(g, "zremrangebyrank", 4, kCmdWrite, 1, 1, 1, ws,
                    "Remove all members in a sorted set within the given indexes", "2.0.0",
                    log_removed, CmdZRemRangeByRank));
  r.Add(MakeCommand(g, "zremrangebyscore", 4, kCmdWrite, 1, 1, 1, ws,
                    "Remove all members in a sorted set within the given scores", "1.2.0",
                    log_removed, CmdZRemRangeByScore));
  r.Add(MakeCommand(g, "zremrangebylex", 4, kCmdWrite, 1, 1, 1, ws,
                    "Remove all members in a sorted set between the given lexicographical range",
                    "2.8.9", log_removed, CmdZRemRangeByLex));
}

}  // namespace cachet
