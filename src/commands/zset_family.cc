// Sorted set commands on single members and whole sets: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD
// ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZPOPMIN ZPOPMAX ZRANDMEMBER ZSCAN, with Redis 7.0 semantics,
// replies and errors. Range commands are in zset_range_family.cc, *STORE commands in
// zset_store_family.cc.
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/scan_args.h"
#include "commands/zset_util.h"
#include "core/glob.h"
#include "core/zset_value.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

uint64_t NextRandom() {
  thread_local uint64_t state = 0x2545f4914f6cdd1dULL;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// ZADD and ZINCRBY (which is ZADD INCR with the increment at args[2]).
void ZAddGeneric(CommandContext& ctx, ArgList args, int flags) {
  size_t idx = 2;
  bool ch = false;
  for (; idx < args.size(); ++idx) {
    std::string_view opt = args[idx];
    if (ArgIs(opt, "nx")) {
      flags |= ZSetValue::kAddNx;
    } else if (ArgIs(opt, "xx")) {
      flags |= ZSetValue::kAddXx;
    } else if (ArgIs(opt, "ch")) {
      ch = true;
    } else if (ArgIs(opt, "incr")) {
      flags |= ZSetValue::kAddIncr;
    } else if (ArgIs(opt, "gt")) {
      flags |= ZSetValue::kAddGt;
    } else if (ArgIs(opt, "lt")) {
      flags |= ZSetValue::kAddLt;
    } else {
      break;
    }
  }
  const bool incr = flags & ZSetValue::kAddIncr, nx = flags & ZSetValue::kAddNx,
             xx = flags & ZSetValue::kAddXx, gt = flags & ZSetValue::kAddGt,
             lt = flags & ZSetValue::kAddLt;
  size_t pairs = args.size() - idx;
  if (pairs == 0 || pairs % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  pairs /= 2;
  if (nx && xx) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && pairs > 1) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  // Every score is checked before anything changes: the command applies fully or not at all.
  std::vector<double> scores(pairs);
  for (size_t i = 0; i < pairs; ++i) {
    if (!ParseDouble(args[idx + 2 * i], &scores[i])) {
      ctx.reply.Error(errors::kNotFloat);
      return;
    }
  }

  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (z == nullptr && xx) {  // nothing to update, and XX never creates the key
    if (incr) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(0);
    }
    return;
  }
  bool created = z == nullptr;
  if (created) {
    z = FindOrCreateContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &e);
  }
  int64_t before = static_cast<int64_t>(z->MemoryBytes());
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  for (size_t i = 0; i < pairs; ++i) {
    std::string_view member = args[idx + 2 * i + 1];
    double result;
    ZSetValue::AddResult r = z->Add(member, scores[i], flags, Limits(ctx), &result);
    if (r == ZSetValue::AddResult::kNaN) {
      nan = true;
      break;
    }
    added += r == ZSetValue::AddResult::kAdded;
    updated += r == ZSetValue::AddResult::kUpdated;
    if (r != ZSetValue::AddResult::kSkipped) {
      ++processed;
      score = result;
    }
  }
  if (incr && added + updated > 0 && PropagationScope::Logging()) {
    // The log gets the resulting score, not the increment.
    PropagationScope::Rewrite(
        {"ZADD", std::string(args[1]), FormatDouble(score), std::string(args[idx + 1])});
  }
  if (created || added + updated > 0) access.ContainerChanged(ctx.db(), e, before);
  if (added + updated > 0) access.Notify(kNotifyZset, incr ? "zincr" : "zadd", ctx.db(), args[1]);
  if (nan) {
    ctx.reply.Error("ERR resulting score is not a number (NaN)");
  } else if (incr) {
    if (processed > 0) {
      ctx.reply.Double(score);
    } else {
      ctx.reply.Null();
    }
  } else {
    ctx.reply.Integer(ch ? added + updated : added);
  }
}

void CmdZAdd(CommandContext& ctx, ArgList args) { ZAddGeneric(ctx, args, 0); }
void CmdZIncrBy(CommandContext& ctx, ArgList args) { ZAddGeneric(ctx, args, ZSetValue::kAddIncr); }

void CmdZRem(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  int64_t removed = 0;
  if (z != nullptr) {
    int64_t before = static_cast<int64_t>(z->MemoryBytes());
    for (size_t i = 2; i < args.size() && z->Size() > 0; ++i) removed += z->Remove(args[i]);
    if (removed > 0) ChangedAndNotify(access, ctx.db(), e, before, kNotifyZset, "zrem", args[1]);
  }
  ctx.reply.Integer(removed);
}

void CmdZScore(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  std::optional<double> score = z ? z->Score(args[2]) : std::nullopt;
  if (score) {
    ctx.reply.Double(*score);
  } else {
    ctx.reply.Null();
  }
}

void CmdZMScore(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::optional<double> score = z ? z->Score(args[i]) : std::nullopt;
    if (score) {
      ctx.reply.Double(*score);
    } else {
      ctx.reply.Null();
    }
  }
}

void CmdZCard(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(z ? static_cast<int64_t>(z->Size()) : 0);
}

void CmdZCount(CommandContext& ctx, ArgList args) {
  ZScoreRange range;
  if (!ParseZScoreRange(args[2], args[3], &range)) {
    ctx.reply.Error(zset_errors::kNotFloatRange);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(z ? static_cast<int64_t>(z->CountByScore(range)) : 0);
}

void CmdZLexCount(CommandContext& ctx, ArgList args) {
  ZLexRange range;
  if (!ParseZLexRange(args[2], args[3], &range)) {
    ctx.reply.Error(zset_errors::kNotLexRange);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(z ? static_cast<int64_t>(z->CountByLex(range)) : 0);
}

void RankGeneric(CommandContext& ctx, ArgList args, bool reverse) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  int64_t rank = z ? z->Rank(args[2], reverse) : -1;
  if (rank >= 0) {
    ctx.reply.Integer(rank);
  } else {
    ctx.reply.Null();
  }
}

void CmdZRank(CommandContext& ctx, ArgList args) { RankGeneric(ctx, args, false); }
void CmdZRevRank(CommandContext& ctx, ArgList args) { RankGeneric(ctx, args, true); }

void PopGeneric(CommandContext& ctx, ArgList args, bool max) {
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  int64_t count = -1;  // no COUNT: one element, flat reply
  if (args.size() == 3 && (!ParseInt64(args[2], &count) || count < 0)) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (z == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  size_t size = z->Size();
  size_t n = count < 0 ? 1 : std::min<uint64_t>(static_cast<uint64_t>(count), size);
  // RESP3 nests [member, score] pairs when a COUNT was given.
  bool nested = ctx.reply.resp3() && count >= 0;
  ctx.reply.ArrayHeader(nested ? n : n * 2);
  size_t first = max ? size - n : 0, last = max ? size - 1 : n - 1;
  z->RangeByRank(first, last, max, [&](std::string_view member, double score) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    ctx.reply.Double(score);
  });
  int64_t before = static_cast<int64_t>(z->MemoryBytes());
  z->RemoveRangeByRank(first, last);
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyZset, max ? "zpopmax" : "zpopmin", args[1]);
}

void CmdZPopMin(CommandContext& ctx, ArgList args) { PopGeneric(ctx, args, false); }
void CmdZPopMax(CommandContext& ctx, ArgList args) { PopGeneric(ctx, args, true); }

void CmdZRandMember(CommandContext& ctx, ArgList args) {
  int64_t count = 0;
  bool with_count = args.size() >= 3, with_scores = false;
  if (with_count) {
    if (!ParseIntArg(args[2], &count, ctx.reply)) return;
    if (count == INT64_MIN) {
      ctx.reply.Error(errors::kRandomCountRange);
      return;
    }
    if (args.size() > 4 || (args.size() == 4 && !ArgIs(args[3], "withscores"))) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    with_scores = args.size() == 4;
    // Redis refuses counts whose reply length (two entries per member) would overflow.
    if (with_scores && (count < -(INT64_MAX / 2) || count > INT64_MAX / 2)) {
      ctx.reply.Error(errors::kValueOutOfRange);
      return;
    }
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  if (!with_count) {
    if (z == nullptr) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(z->At(NextRandom() % z->Size()).member);
    }
    return;
  }
  if (z == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  size_t size = z->Size();
  if (count < 0) {  // -count picks, repeats allowed
    uint64_t n = static_cast<uint64_t>(-count);
    ScoredArrayHeader(ctx.reply, n, with_scores);
    std::vector<ZSetValue::Item> items;
    if (z->encoding() == Encoding::kListpack) {
      z->ForEach([&](std::string_view m, double s) { items.push_back({m, s}); });
    }
    for (uint64_t i = 0; i < n; ++i) {
      size_t rank = NextRandom() % size;
      ZSetValue::Item it = items.empty() ? z->At(rank) : items[rank];
      ScoredElement(ctx.reply, it.member, it.score, with_scores);
    }
    return;
  }
  std::vector<ScoredMember> picked;
  if (static_cast<uint64_t>(count) >= size) {  // the whole set
    z->ForEach([&](std::string_view m, double s) { picked.emplace_back(m, s); });
  } else if (static_cast<uint64_t>(count) * 3 > size || z->encoding() == Encoding::kListpack) {
    // Shuffle the first `count` positions of the whole set.
    std::vector<ScoredMember> all;
    z->ForEach([&](std::string_view m, double s) { all.emplace_back(m, s); });
    for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
      std::swap(all[i], all[i + NextRandom() % (all.size() - i)]);
    }
    all.resize(static_cast<size_t>(count));
    picked = std::move(all);
  } else {  // few of many: distinct random ranks
    std::unordered_set<size_t> ranks;
    while (ranks.size() < static_cast<size_t>(count)) {
      size_t rank = NextRandom() % size;
      if (!ranks.insert(rank).second) continue;
      ZSetValue::Item it = z->At(rank);
      picked.emplace_back(it.member, it.score);
    }
  }
  ReplyScored(ctx.reply, picked, with_scores);
}

void CmdZScan(CommandContext& ctx, ArgList args) {
  // Redis checks the cursor, then the key, then the options.
  ScanArgs scan;
  if (!ParseScanArgs(args.first(3), 2, false, &scan, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ZSetValue* z =
      FindContainer<ZSetValue>(access, ctx.db(), args[1], kZSetType, ctx.reply, &wrong);
  if (wrong) return;
  if (z == nullptr) {
    ReplyEmptyScan(ctx.reply);
    return;
  }
  if (!ParseScanArgs(args, 2, false, &scan, ctx.reply)) return;
  std::vector<ScoredMember> out;
  uint64_t next = z->Scan(scan.cursor, scan.count, [&](std::string_view m, double s) {
    if (!scan.use_pattern || GlobMatch(scan.pattern, m)) out.emplace_back(m, s);
  });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(static_cast<int64_t>(next)));
  ctx.reply.ArrayHeader(out.size() * 2);
  for (const auto& [member, score] : out) {
    ctx.reply.Bulk(member);
    ctx.reply.Bulk(z->ScanScoreText(score));
  }
}

}  // namespace

void RegisterZSetFamily(CommandRegistry& r) {
  const char* g = "sorted-set";
  const uint32_t kR = kCmdReadOnly | kCmdFast;
  const char* rf = "@read @sortedset @fast";
  const char* wf = "@write @sortedset @fast";
  r.Add(MakeCommand(g, "zadd", -4, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, wf,
                    "Add one or more members to a sorted set, or update its score if it already "
                    "exists",
                    "1.2.0", "O(log(N)) for each item added", CmdZAdd));
  r.Add(MakeCommand(g, "zincrby", 4, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, wf,
                    "Increment the score of a member in a sorted set", "1.2.0", "O(log(N))",
                    CmdZIncrBy));
  r.Add(MakeCommand(g, "zrem", -3, kCmdWrite | kCmdFast, 1, 1, 1, wf,
                    "Remove one or more members from a sorted set", "1.2.0",
                    "O(M*log(N)) with M the number of members removed", CmdZRem));
  r.Add(MakeCommand(g, "zscore", 3, kR, 1, 1, 1, rf,
                    "Get the score associated with the given member in a sorted set", "1.2.0",
                    "O(1)", CmdZScore));
  r.Add(MakeCommand(g, "zmscore", -3, kR, 1, 1, 1, rf,
                    "Get the score associated with the given members in a sorted set", "6.2.0",
                    "O(N)", CmdZMScore));
  r.Add(MakeCommand(g, "zcard", 2, kR, 1, 1, 1, rf, "Get the number of members in a sorted set",
                    "1.2.0", "O(1)", CmdZCard));
  r.Add(MakeCommand(g, "zcount", 4, kR, 1, 1, 1, rf,
                    "Count the members in a sorted set with scores within the given values",
                    "2.0.0", "O(log(N))", CmdZCount));
  r.Add(MakeCommand(g, "zlexcount", 4, kR, 1, 1, 1, rf,
                    "Count the number of members in a sorted set between a given lexicographical "
                    "range",
                    "2.8.9", "O(log(N))", CmdZLexCount));
  r.Add(MakeCommand(g, "zrank", 3, kR, 1, 1, 1, rf,
                    "Determine the index of a member in a sorted set", "2.0.0", "O(log(N))",
                    CmdZRank));
  r.Add(MakeCommand(g, "zrevrank", 3, kR, 1, 1, 1, rf,
                    "Determine the index of a member in a sorted set, with scores ordered from "
                    "high to low",
                    "2.0.0", "O(log(N))", CmdZRevRank));
  r.Add(MakeCommand(g, "zpopmin", -2, kCmdWrite | kCmdFast, 1, 1, 1, wf,
                    "Remove and return members with the lowest scores in a sorted set", "5.0.0",
                    "O(log(N)*M) with M the number of elements removed", CmdZPopMin));
  r.Add(MakeCommand(g, "zpopmax", -2, kCmdWrite | kCmdFast, 1, 1, 1, wf,
                    "Remove and return members with the highest scores in a sorted set", "5.0.0",
                    "O(log(N)*M) with M the number of elements removed", CmdZPopMax));
  r.Add(MakeCommand(g, "zrandmember", -2, kCmdReadOnly, 1, 1, 1, "@read @sortedset @slow",
                    "Get one or multiple random elements from a sorted set", "6.2.0",
                    "O(N) where N is the number of elements returned", CmdZRandMember));
  r.Add(MakeCommand(g, "zscan", -3, kCmdReadOnly, 1, 1, 1, "@read @sortedset @slow",
                    "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
                    "O(1) for every call", CmdZScan));
  RegisterZSetRangeCommands(r);
  RegisterZSetStoreCommands(r);
}

}  // namespace cachet
