// Set commands on one set (plus SMOVE): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SSCAN, with Redis 7.0 semantics, replies and errors. The set algebra
// commands (SUNION SINTER SDIFF, their STORE forms, SINTERCARD) are in set_algebra.cc.
#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/scan_args.h"
#include "commands/server_context.h"
#include "config/config.h"
#include "core/glob.h"
#include "core/set_value.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

constexpr ValueType kSet = ValueType::kSet;
// SPOP rebuilds the set from the members it keeps when it pops at least this many times more
// than it keeps, as Redis does (SPOP_MOVE_STRATEGY_MUL); the rebuilt set may become an intset.
constexpr uint64_t kSpopRebuildRatio = 5;
// SRANDMEMBER with a negative count streams members. A reply that outgrows the client output
// hard limit (or this, when there is none) is cut and the client disconnected, as the limit
// would disconnect it anyway; Redis would grow its buffer without bound.
constexpr size_t kMaxRandomReplyBytes = size_t{1} << 30;

size_t RandomReplyCap(CommandContext& ctx) {
  OutputBufferLimit limit;
  if (ctx.server.config != nullptr &&
      ParseOutputBufferLimit(ctx.server.config->GetString("client-output-buffer-limit"), &limit) &&
      limit.hard > 0) {
    return std::min(kMaxRandomReplyBytes, static_cast<size_t>(limit.hard));
  }
  return kMaxRandomReplyBytes;
}

// xorshift64*, seeded per thread from the OS so picks differ from run to run, as in Redis.
uint64_t NextRandom() {
  thread_local uint64_t state =
      (uint64_t{std::random_device()()} << 32 | std::random_device()()) | 1;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dULL;
}

void CmdSAdd(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e;
  SetValue* s = FindOrCreateContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &e);
  if (s == nullptr) return;
  int64_t before = static_cast<int64_t>(s->MemoryBytes());
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); ++i) added += s->Add(args[i], Limits(ctx));
  if (added > 0) ChangedAndNotify(access, ctx.db(), e, before, kNotifySet, "sadd", args[1]);
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  SetValue* s =
      FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  int64_t removed = 0;
  if (s != nullptr) {
    int64_t before = static_cast<int64_t>(s->MemoryBytes());
    for (size_t i = 2; i < args.size(); ++i) removed += s->Remove(args[i]);
    if (removed > 0) ChangedAndNotify(access, ctx.db(), e, before, kNotifySet, "srem", args[1]);
  }
  ctx.reply.Integer(removed);
}

void CmdSMembers(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.SetHeader(s ? s->Size() : 0);
  if (s != nullptr) s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void CmdSIsMember(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(s != nullptr && s->Contains(args[2]));
}

void CmdSMIsMember(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) ctx.reply.Integer(s != nullptr && s->Contains(args[i]));
}

void CmdSCard(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(s ? static_cast<int64_t>(s->Size()) : 0);
}

// Picks k distinct members of the n in `members` (k <= n), moving them to the front.
void ChooseFront(std::vector<std::string>& members, size_t k) {
  for (size_t i = 0; i < k; ++i) {
    size_t j = i + NextRandom() % (members.size() - i);
    std::swap(members[i], members[j]);
  }
}

void SPopWithCount(CommandContext& ctx, ArgList args) {
  int64_t count;
  if (!ParseInt64(args[2], &count) || count < 0) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  SetValue* s =
      FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (s == nullptr || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  size_t size = s->Size();
  if (static_cast<uint64_t>(count) >= size) {
    // The whole set, in the order Redis gives it (it replies through its union code).
    SetValue all;
    s->ForEach([&](std::string_view m) { all.Add(m, Limits(ctx)); });
    ctx.reply.SetHeader(all.Size());
    all.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    PropagationScope::Rewrite({"DEL", std::string(args[1])});
    access.DeleteEntry(ctx.db(), e);
    access.Notify(kNotifySet, "spop", ctx.db(), args[1]);
    access.Notify(kNotifyGeneric, "del", ctx.db(), args[1]);
    return;
  }
  int64_t before = static_cast<int64_t>(s->MemoryBytes());
  size_t remaining = size - static_cast<size_t>(count);
  std::vector<std::string> popped;
  popped.reserve(static_cast<size_t>(count));
  if (remaining * kSpopRebuildRatio > static_cast<uint64_t>(count)) {
    for (int64_t i = 0; i < count; ++i) {
      popped.push_back(s->RandomMember(NextRandom()));
      s->Remove(popped.back());
    }
  } else {
    // Keep `remaining` random members in a rebuilt set; pop the rest in the set's order.
    std::vector<std::string> members;
    members.reserve(size);
    s->ForEach([&](std::string_view m) { members.emplace_back(m); });
    std::vector<size_t> order(size);
    std::iota(order.begin(), order.end(), 0);
    for (size_t i = 0; i < remaining; ++i)
      std::swap(order[i], order[i + NextRandom() % (size - i)]);
    std::vector<bool> kept(size);
    s->Clear();
    for (size_t i = 0; i < remaining; ++i) {
      kept[order[i]] = true;
      s->Add(members[order[i]], Limits(ctx));
    }
    for (size_t i = 0; i < size; ++i) {
      if (!kept[i]) popped.push_back(std::move(members[i]));
    }
  }
  ctx.reply.SetHeader(popped.size());
  for (const std::string& m : popped) ctx.reply.Bulk(m);
  if (PropagationScope::Logging()) {
    std::vector<std::string> srem = {"SREM", std::string(args[1])};
    srem.insert(srem.end(), popped.begin(), popped.end());
    PropagationScope::Rewrite(std::move(srem));
  }
  ChangedAndNotify(access, ctx.db(), e, before, kNotifySet, "spop", args[1]);
}

void CmdSPop(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (args.size() == 3) {
    SPopWithCount(ctx, args);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  SetValue* s =
      FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (s == nullptr) {
    ctx.reply.Null();
    return;
  }
  int64_t before = static_cast<int64_t>(s->MemoryBytes());
  std::string member = s->RandomMember(NextRandom());
  s->Remove(member);
  ctx.reply.Bulk(member);
  PropagationScope::Rewrite({"SREM", std::string(args[1]), member});
  ChangedAndNotify(access, ctx.db(), e, before, kNotifySet, "spop", args[1]);
}

void SRandMemberWithCount(CommandContext& ctx, ArgList args) {
  int64_t count;
  if (!ParseIntArg(args[2], &count, ctx.reply)) return;
  if (count == INT64_MIN) {
    ctx.reply.Error(errors::kRandomCountRange);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  if (s == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  size_t size = s->Size();
  if (count < 0) {  // repeats allowed: stream the members
    ctx.reply.ArrayHeader(static_cast<size_t>(-count));
    size_t cap = -count > 100000 ? RandomReplyCap(ctx) : kMaxRandomReplyBytes;
    for (int64_t i = 0; i < -count; ++i) {
      ctx.reply.Bulk(s->RandomMember(NextRandom()));
      if ((i & 1023) == 1023 && ctx.reply.buffer()->size() > cap) {
        ctx.client.close_after_reply = true;  // the reply can never be completed
        return;
      }
    }
    return;
  }
  if (static_cast<uint64_t>(count) >= size) {
    ctx.reply.ArrayHeader(size);
    s->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  auto k = static_cast<size_t>(count);
  std::vector<std::string> picked;
  if (k * 3 > size) {  // a large share: shuffle a copy
    s->ForEach([&](std::string_view m) { picked.emplace_back(m); });
    ChooseFront(picked, k);
    picked.resize(k);
  } else {  // a small share: draw until there are k distinct members
    std::unordered_set<std::string> seen;
    while (picked.size() < k) {
      std::string m = s->RandomMember(NextRandom());
      if (seen.insert(m).second) picked.push_back(std::move(m));
    }
  }
  ctx.reply.ArrayHeader(k);
  for (const std::string& m : picked) ctx.reply.Bulk(m);
}

void CmdSRandMember(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (args.size() == 3) {
    SRandMemberWithCount(ctx, args);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  if (s == nullptr) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(s->RandomMember(NextRandom()));
  }
}

void CmdSMove(CommandContext& ctx, ArgList args) {
  std::string_view src_key = args[1], dst_key = args[2], member = args[3];
  KeyAccess access(ctx.engine(), args.subspan(1, 2));
  Entry* src = access.Find(ctx.db(), src_key);
  Entry* dst = access.Find(ctx.db(), dst_key);
  if (src == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (src->type() != kSet || (dst != nullptr && dst->type() != kSet)) {
    ctx.reply.Error(errors::kWrongType);
    return;
  }
  auto* src_set = static_cast<SetValue*>(src->container());
  if (src == dst) {
    ctx.reply.Integer(src_set->Contains(member));
    return;
  }
  int64_t before = static_cast<int64_t>(src_set->MemoryBytes());
  if (!src_set->Remove(member)) {
    ctx.reply.Integer(0);
    return;
  }
  // Removes src when it became empty.
  ChangedAndNotify(access, ctx.db(), src, before, kNotifySet, "srem", src_key);
  dst = access.Find(ctx.db(), dst_key, false);
  if (dst == nullptr) {
    dst = access.CreateContainer(ctx.db(), dst_key, std::make_unique<SetValue>(),
                                 KeyAccess::kNoDeadline);
  }
  auto* dst_set = static_cast<SetValue*>(dst->container());
  before = static_cast<int64_t>(dst_set->MemoryBytes());
  if (dst_set->Add(member, Limits(ctx))) {
    access.ContainerChanged(ctx.db(), dst, before);
    access.Notify(kNotifySet, "sadd", ctx.db(), dst_key);
  }
  ctx.reply.Integer(1);
}

void CmdSScan(CommandContext& ctx, ArgList args) {
  ScanArgs scan;
  // Redis reads the cursor first, then the key, and the options only for an existing set.
  if (!ParseScanArgs(args.first(3), 2, false, &scan, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const SetValue* s = FindContainer<SetValue>(access, ctx.db(), args[1], kSet, ctx.reply, &wrong);
  if (wrong) return;
  if (s != nullptr && !ParseScanArgs(args, 2, false, &scan, ctx.reply)) return;
  std::vector<std::string> out;
  uint64_t next = 0;
  if (s != nullptr) {
    next = s->Scan(scan.cursor, scan.count, [&](std::string_view m) {
      if (!scan.use_pattern || GlobMatch(scan.pattern, m)) out.emplace_back(m);
    });
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(static_cast<int64_t>(next)));
  ctx.reply.ArrayHeader(out.size());
  for (const std::string& m : out) ctx.reply.Bulk(m);
}

}  // namespace

void RegisterSetFamily(CommandRegistry& r) {
  const char* g = "set";
  const uint32_t kR = kCmdReadOnly | kCmdFast;
  const char* w = "@write @set @fast";
  const char* rd = "@read @set @fast";
  const char* rd_slow = "@read @set @slow";
  r.Add(MakeCommand(g, "sadd", -3, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, w,
                    "Add one or more members to a set", "1.0.0", "O(1) for each element added",
                    CmdSAdd));
  r.Add(MakeCommand(g, "srem", -3, kCmdWrite | kCmdFast, 1, 1, 1, w,
                    "Remove one or more members from a set", "1.0.0", "O(N)", CmdSRem));
  r.Add(MakeCommand(g, "smembers", 2, kCmdReadOnly, 1, 1, 1, rd_slow,
                    "Get all the members in a set", "1.0.0", "O(N)", CmdSMembers));
  r.Add(MakeCommand(g, "sismember", 3, kR, 1, 1, 1, rd,
                    "Determine if a given value is a member of a set", "1.0.0", "O(1)",
                    CmdSIsMember));
  r.Add(MakeCommand(g, "smismember", -3, kR, 1, 1, 1, rd,
                    "Returns the membership associated with the given elements for a set", "6.2.0",
                    "O(N)", CmdSMIsMember));
  r.Add(MakeCommand(g, "scard", 2, kR, 1, 1, 1, rd, "Get the number of members in a set", "1.0.0",
                    "O(1)", CmdSCard));
  r.Add(MakeCommand(g, "spop", -2, kCmdWrite | kCmdFast, 1, 1, 1, w,
                    "Remove and return one or multiple random members from a set", "1.0.0", "O(N)",
                    CmdSPop));
  r.Add(MakeCommand(g, "srandmember", -2, kCmdReadOnly, 1, 1, 1, rd_slow,
                    "Get one or multiple random members from a set", "1.0.0", "O(N)",
                    CmdSRandMember));
  r.Add(MakeCommand(g, "smove", 4, kCmdWrite | kCmdFast, 1, 2, 1, w,
                    "Move a member from one set to another", "1.0.0", "O(1)", CmdSMove));
  r.Add(MakeCommand(g, "sscan", -3, kCmdReadOnly, 1, 1, 1, rd_slow,
                    "Incrementally iterate Set elements", "2.8.0", "O(1) per call", CmdSScan));
  RegisterSetAlgebraCommands(r);
}

}  // namespace cachet
