// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
// LPOS LMOVE RPOPLPUSH, with Redis 7.0 semantics, and the list operations of list_family.h.
#include "commands/list_family.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/container_util.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "core/list_value.h"

namespace cachet {
namespace {

constexpr ValueType kList = ValueType::kList;

// The list at key for a write, or nullptr with *status saying why.
ListValue* FindList(KeyAccess& access, int db, std::string_view key, Entry** entry,
                    ListStatus* status) {
  Entry* e = access.Find(db, key);
  *entry = e;
  if (e == nullptr) {
    *status = ListStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != kList) {
    *status = ListStatus::kWrongType;
    return nullptr;
  }
  *status = ListStatus::kOk;
  return static_cast<ListValue*>(e->container());
}

ListValue* CreateList(KeyAccess& access, int db, std::string_view key, Entry** entry) {
  *entry = access.CreateContainer(db, key, std::make_unique<ListValue>(), KeyAccess::kNoDeadline);
  return static_cast<ListValue*>((*entry)->container());
}

}  // namespace

ListStatus OpPop(KeyAccess& access, int db, std::string_view key, bool left, size_t count,
                 std::vector<std::string>* out) {
  Entry* e;
  ListStatus status;
  ListValue* l = FindList(access, db, key, &e, &status);
  if (l == nullptr || count == 0) return status;
  int64_t before = static_cast<int64_t>(l->MemoryBytes());
  if (count == 1) {
    out->push_back(left ? l->PopFront() : l->PopBack());
  } else {
    out->reserve(out->size() + std::min(count, l->Size()));
    if (left) {
      l->PopFront(count, out);
    } else {
      l->PopBack(count, out);
    }
  }
  ChangedAndNotify(access, db, e, before, kNotifyList, left ? "lpop" : "rpop", key);
  return ListStatus::kOk;
}

ListStatus OpPush(KeyAccess& access, int db, std::string_view key, bool left,
                  std::span<const std::string_view> values, bool only_existing, int64_t* length) {
  *length = 0;
  Entry* e;
  ListStatus status;
  ListValue* l = FindList(access, db, key, &e, &status);
  if (status == ListStatus::kWrongType) return status;
  if (l == nullptr) {
    if (only_existing) return status;
    l = CreateList(access, db, key, &e);
  }
  int64_t before = static_cast<int64_t>(l->MemoryBytes());
  for (std::string_view v : values) {
    if (left) {
      l->PushFront(v);
    } else {
      l->PushBack(v);
    }
  }
  *length = static_cast<int64_t>(l->Size());
  access.ContainerChanged(db, e, before);
  access.Notify(kNotifyList, left ? "lpush" : "rpush", db, key);
  return ListStatus::kOk;
}

ListStatus OpMove(KeyAccess& access, int db, std::string_view src, std::string_view dst,
                  bool src_left, bool dst_left, std::string* moved) {
  Entry* se;
  ListStatus status;
  ListValue* sl = FindList(access, db, src, &se, &status);
  if (sl == nullptr) return status;
  Entry* de;
  ListValue* dl = FindList(access, db, dst, &de, &status);
  if (status == ListStatus::kWrongType) return status;
  int64_t src_before = static_cast<int64_t>(sl->MemoryBytes());
  *moved = src_left ? sl->PopFront() : sl->PopBack();
  if (de == se) {  // rotation within one list: it never becomes empty
    if (dst_left) {
      sl->PushFront(*moved);
    } else {
      sl->PushBack(*moved);
    }
    access.ContainerChanged(db, se, src_before);
    access.Notify(kNotifyList, dst_left ? "lpush" : "rpush", db, dst);
    access.Notify(kNotifyList, src_left ? "lpop" : "rpop", db, src);
    return ListStatus::kOk;
  }
  if (dl == nullptr) dl = CreateList(access, db, dst, &de);
  int64_t dst_before = static_cast<int64_t>(dl->MemoryBytes());
  if (dst_left) {
    dl->PushFront(*moved);
  } else {
    dl->PushBack(*moved);
  }
  access.ContainerChanged(db, de, dst_before);
  access.Notify(kNotifyList, dst_left ? "lpush" : "rpush", db, dst);
  // Removes src when it became empty.
  ChangedAndNotify(access, db, se, src_before, kNotifyList, src_left ? "lpop" : "rpop", src);
  return ListStatus::kOk;
}

bool ParseDirection(std::string_view arg, bool* left, ReplyBuilder& reply) {
  if (ArgIs(arg, "left")) {
    *left = true;
  } else if (ArgIs(arg, "right")) {
    *left = false;
  } else {
    reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

namespace {

void ReplyWrongType(CommandContext& ctx) { ctx.reply.Error(errors::kWrongType); }

void Push(CommandContext& ctx, ArgList args, bool left, bool only_existing) {
  std::vector<std::string_view> values(args.begin() + 2, args.end());
  KeyAccess access(ctx.engine(), args[1]);
  int64_t length;
  if (OpPush(access, ctx.db(), args[1], left, values, only_existing, &length) ==
      ListStatus::kWrongType) {
    ReplyWrongType(ctx);
    return;
  }
  ctx.reply.Integer(length);
}

void CmdLPush(CommandContext& ctx, ArgList args) { Push(ctx, args, true, false); }
void CmdRPush(CommandContext& ctx, ArgList args) { Push(ctx, args, false, false); }
void CmdLPushX(CommandContext& ctx, ArgList args) { Push(ctx, args, true, true); }
void CmdRPushX(CommandContext& ctx, ArgList args) { Push(ctx, args, false, true); }

void Pop(CommandContext& ctx, ArgList args, bool left) {
  if (args.size() > 3) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.command->name + "' command");
    return;
  }
  bool with_count = args.size() == 3;
  int64_t count = 1;
  if (with_count && (!ParseInt64(args[2], &count) || count < 0)) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  std::vector<std::string> out;
  ListStatus status = OpPop(access, ctx.db(), args[1], left, static_cast<size_t>(count), &out);
  if (status == ListStatus::kWrongType) {
    ReplyWrongType(ctx);
  } else if (status == ListStatus::kNoKey) {
    if (with_count) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
  } else if (!with_count) {
    ctx.reply.Bulk(out[0]);
  } else {
    ctx.reply.ArrayHeader(out.size());
    for (const std::string& s : out) ctx.reply.Bulk(s);
  }
}

void CmdLPop(CommandContext& ctx, ArgList args) { Pop(ctx, args, true); }
void CmdRPop(CommandContext& ctx, ArgList args) { Pop(ctx, args, false); }

// LMOVE / RPOPLPUSH after their directions are known.
void Move(CommandContext& ctx, ArgList args, bool src_left, bool dst_left) {
  std::string_view keys[2] = {args[1], args[2]};
  KeyAccess access(ctx.engine(), keys);
  std::string moved;
  ListStatus status = OpMove(access, ctx.db(), args[1], args[2], src_left, dst_left, &moved);
  if (status == ListStatus::kWrongType) {
    ReplyWrongType(ctx);
  } else if (status == ListStatus::kNoKey) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(moved);
  }
}

void CmdLMove(CommandContext& ctx, ArgList args) {
  bool src_left, dst_left;
  if (!ParseDirection(args[3], &src_left, ctx.reply)) return;
  if (!ParseDirection(args[4], &dst_left, ctx.reply)) return;
  Move(ctx, args, src_left, dst_left);
}

void CmdRPopLPush(CommandContext& ctx, ArgList args) { Move(ctx, args, false, true); }

void CmdLLen(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong);
  if (wrong) return;
  ctx.reply.Integer(l ? static_cast<int64_t>(l->Size()) : 0);
}

void CmdLRange(CommandContext& ctx, ArgList args) {
  int64_t start, end;
  if (!ParseIntArg(args[2], &start, ctx.reply) || !ParseIntArg(args[3], &end, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong);
  if (wrong) return;
  int64_t len = l ? static_cast<int64_t>(l->Size()) : 0;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (end >= len) end = len - 1;
  size_t n = static_cast<size_t>(end - start + 1);
  ctx.reply.ArrayHeader(n);
  l->ForRange(static_cast<size_t>(start), n, [&](std::string_view s) { ctx.reply.Bulk(s); });
}

void CmdLIndex(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong);
  if (wrong) return;
  if (l == nullptr) {  // Redis looks the key up before parsing the index
    ctx.reply.Null();
    return;
  }
  int64_t index;
  if (!ParseIntArg(args[2], &index, ctx.reply)) return;
  int64_t len = static_cast<int64_t>(l->Size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(l->At(static_cast<size_t>(index)));
}

void CmdLSet(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (l == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  int64_t index;
  if (!ParseIntArg(args[2], &index, ctx.reply)) return;
  int64_t len = static_cast<int64_t>(l->Size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    ctx.reply.Error("ERR index out of range");
    return;
  }
  int64_t before = static_cast<int64_t>(l->MemoryBytes());
  l->Set(static_cast<size_t>(index), args[3]);
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyList, "lset", args[1]);
  ctx.reply.Ok();
}

void CmdLInsert(CommandContext& ctx, ArgList args) {
  bool after;
  if (ArgIs(args[2], "after")) {
    after = true;
  } else if (ArgIs(args[2], "before")) {
    after = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (l == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t before = static_cast<int64_t>(l->MemoryBytes());
  if (!l->InsertAtPivot(args[3], args[4], after)) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t len = static_cast<int64_t>(l->Size());
  ChangedAndNotify(access, ctx.db(), e, before, kNotifyList, "linsert", args[1]);
  ctx.reply.Integer(len);
}

void CmdLRem(CommandContext& ctx, ArgList args) {
  int64_t count;
  if (!ParseIntArg(args[2], &count, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  size_t removed = 0;
  if (l != nullptr) {
    // count < 0 removes from the tail; 0 - count in unsigned arithmetic also covers INT64_MIN.
    size_t limit = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
    int64_t before = static_cast<int64_t>(l->MemoryBytes());
    removed = l->Remove(args[3], limit, count < 0);
    if (removed > 0) ChangedAndNotify(access, ctx.db(), e, before, kNotifyList, "lrem", args[1]);
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void CmdLTrim(CommandContext& ctx, ArgList args) {
  int64_t start, end;
  if (!ParseIntArg(args[2], &start, ctx.reply) || !ParseIntArg(args[3], &end, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  Entry* e;
  ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong, &e, false);
  if (wrong) return;
  if (l != nullptr) {
    int64_t len = static_cast<int64_t>(l->Size());
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    int64_t ltrim, rtrim;
    if (start > end || start >= len) {  // empty range: everything goes
      ltrim = len;
      rtrim = 0;
    } else {
      if (end >= len) end = len - 1;
      ltrim = start;
      rtrim = len - end - 1;
    }
    if (ltrim + rtrim > 0) {
      int64_t before = static_cast<int64_t>(l->MemoryBytes());
      l->Trim(static_cast<size_t>(ltrim), static_cast<size_t>(rtrim));
      ChangedAndNotify(access, ctx.db(), e, before, kNotifyList, "ltrim", args[1]);
    } else {
      access.Notify(kNotifyList, "ltrim", ctx.db(), args[1]);  // Redis reports it regardless
    }
  }
  ctx.reply.Ok();
}

void CmdLPos(CommandContext& ctx, ArgList args) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    if (ArgIs(args[j], "rank") && more) {
      if (!ParseIntArg(args[++j], &rank, ctx.reply)) return;
      if (rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (ArgIs(args[j], "count") && more) {
      if (!ParseInt64(args[++j], &count) || count < 0) {
        ctx.reply.Error("ERR COUNT can't be negative");
        return;
      }
    } else if (ArgIs(args[j], "maxlen") && more) {
      if (!ParseInt64(args[++j], &maxlen) || maxlen < 0) {
        ctx.reply.Error("ERR MAXLEN can't be negative");
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  bool with_count = count != -1;
  KeyAccess access(ctx.engine(), args[1]);
  bool wrong;
  const ListValue* l =
      FindContainer<ListValue>(access, ctx.db(), args[1], kList, ctx.reply, &wrong);
  if (wrong) return;
  if (l == nullptr) {
    if (with_count) {
      ctx.reply.ArrayHeader(0);
    } else {
      ctx.reply.Null();
    }
    return;
  }
  bool from_head = rank > 0;
  if (rank == INT64_MIN) {
    // Redis 7.0 negates RANK in a long: -LLONG_MIN stays negative, so every match qualifies
    // and the COUNT limit never triggers. Reproduce that.
    rank = 1;
    count = with_count ? 0 : count;
  } else if (rank < 0) {
    rank = -rank;
  }
  int64_t len = static_cast<int64_t>(l->Size());
  int64_t index = 0, matches = 0, found = -1;
  std::vector<int64_t> positions;
  std::string_view element = args[2];
  l->Walk(!from_head, [&](std::string_view s) {
    if (maxlen != 0 && index >= maxlen) return false;
    if (s == element && ++matches >= rank) {
      int64_t pos = from_head ? index : len - index - 1;
      if (!with_count) {
        found = pos;
        return false;
      }
      positions.push_back(pos);
      if (count != 0 && matches - rank + 1 >= count) return false;
    }
    ++index;
    return true;
  });
  if (!with_count) {
    if (found >= 0) {
      ctx.reply.Integer(found);
    } else {
      ctx.reply.Null();
    }
    return;
  }
  ctx.reply.ArrayHeader(positions.size());
  for (int64_t p : positions) ctx.reply.Integer(p);
}

}  // namespace

void RegisterListFamily(CommandRegistry& r) {
  const char* g = "list";
  const uint32_t kWFast = kCmdWrite | kCmdDenyOom | kCmdFast;
  const char* wf = "@write @list @fast";
  const char* ws = "@write @list @slow";
  const char* rs = "@read @list @slow";
  const char* kPushCost =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  r.Add(MakeCommand(g, "lpush", -3, kWFast, 1, 1, 1, wf,
                    "Prepend one or multiple elements to a list", "1.0.0", kPushCost, CmdLPush));
  r.Add(MakeCommand(g, "rpush", -3, kWFast, 1, 1, 1, wf,
                    "Append one or multiple elements to a list", "1.0.0", kPushCost, CmdRPush));
  r.Add(MakeCommand(g, "lpushx", -3, kWFast, 1, 1, 1, wf,
                    "Prepend an element to a list, only if the list exists", "2.2.0", kPushCost,
                    CmdLPushX));
  r.Add(MakeCommand(g, "rpushx", -3, kWFast, 1, 1, 1, wf,
                    "Append an element to a list, only if the list exists", "2.2.0", kPushCost,
                    CmdRPushX));
  r.Add(MakeCommand(g, "lpop", -2, kCmdWrite | kCmdFast, 1, 1, 1, wf,
                    "Remove and get the first elements in a list", "1.0.0",
                    "O(N) where N is the number of elements returned", CmdLPop));
  r.Add(MakeCommand(g, "rpop", -2, kCmdWrite | kCmdFast, 1, 1, 1, wf,
                    "Remove and get the last elements in a list", "1.0.0",
                    "O(N) where N is the number of elements returned", CmdRPop));
  r.Add(MakeCommand(g, "llen", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "@read @list @fast",
                    "Get the length of a list", "1.0.0", "O(1)", CmdLLen));
  r.Add(MakeCommand(g, "lrange", 4, kCmdReadOnly, 1, 1, 1, rs,
                    "Get a range of elements from a list", "1.0.0",
                    "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                    "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                    "elements in the specified range.",
                    CmdLRange));
  r.Add(MakeCommand(g, "lindex", 3, kCmdReadOnly, 1, 1, 1, rs,
                    "Get an element from a list by its index", "1.0.0",
                    "O(N) where N is the number of elements to traverse to get to the element at "
                    "index. This makes asking for the first or the last element of the list O(1).",
                    CmdLIndex));
  r.Add(MakeCommand(g, "lset", 4, kCmdWrite | kCmdDenyOom, 1, 1, 1, ws,
                    "Set the value of an element in a list by its index", "1.0.0",
                    "O(N) where N is the length of the list. Setting either the first or the last "
                    "element of the list is O(1).",
                    CmdLSet));
  r.Add(MakeCommand(g, "linsert", 5, kCmdWrite | kCmdDenyOom, 1, 1, 1, ws,
                    "Insert an element before or after another element in a list", "2.2.0",
                    "O(N) where N is the number of elements to traverse before seeing the value "
                    "pivot. This means that inserting somewhere on the left end on the list (head) "
                    "can be considered O(1) and inserting somewhere on the right end (tail) is "
                    "O(N).",
                    CmdLInsert));
  r.Add(MakeCommand(g, "lrem", 4, kCmdWrite, 1, 1, 1, ws, "Remove elements from a list", "1.0.0",
                    "O(N+M) where N is the length of the list and M is the number of elements "
                    "removed.",
                    CmdLRem));
  r.Add(MakeCommand(
      g, "ltrim", 4, kCmdWrite, 1, 1, 1, ws, "Trim a list to the specified range", "1.0.0",
      "O(N) where N is the number of elements to be removed by the operation.", CmdLTrim));
  r.Add(MakeCommand(g, "lpos", -3, kCmdReadOnly, 1, 1, 1, rs,
                    "Return the index of matching elements on a list", "6.0.6",
                    "O(N) where N is the number of elements in the list, for the average case. "
                    "When searching for elements near the head or the tail of the list, or when "
                    "the MAXLEN option is provided, the command may run in constant time.",
                    CmdLPos));
  r.Add(MakeCommand(g, "lmove", 5, kCmdWrite | kCmdDenyOom, 1, 2, 1, ws,
                    "Pop an element from a list, push it to another list and return it", "6.2.0",
                    "O(1)", CmdLMove));
  r.Add(MakeCommand(g, "rpoplpush", 3, kCmdWrite | kCmdDenyOom, 1, 2, 1, ws,
                    "Remove the last element in a list, prepend it to another list and return it",
                    "1.2.0", "O(1)", CmdRPopLPush));
}

}  // namespace cachet
