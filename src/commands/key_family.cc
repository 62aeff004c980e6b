// Generic key commands: DEL UNLINK EXISTS TYPE KEYS SCAN RENAME RENAMENX TOUCH RANDOMKEY COPY
// OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP).
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/scan_args.h"
#include "core/container.h"
#include "core/glob.h"
#include "core/lfu.h"
#include "engine/key_access.h"

namespace cachet {
namespace {

const char* TypeOf(const Entry* e) { return e == nullptr ? "none" : TypeName(e->type()); }

const char* EncodingOf(const Entry* e) {
  return EncodingName(e->type() == ValueType::kString ? e->encoding() : e->container()->encoding());
}

void CmdDel(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  int64_t removed = 0;
  for (std::string_view key : keys) {
    if (!access.Delete(ctx.db(), key)) continue;
    access.Notify(kNotifyGeneric, "del", ctx.db(), key);
    ++removed;
  }
  ctx.reply.Integer(removed);
}

void CmdExists(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  int64_t found = 0;
  for (std::string_view key : keys) found += access.Find(ctx.db(), key, false) != nullptr;
  ctx.reply.Integer(found);
}

void CmdTouch(CommandContext& ctx, ArgList args) {
  ArgList keys = args.subspan(1);
  KeyAccess access(ctx.engine(), keys);
  int64_t found = 0;
  for (std::string_view key : keys) found += access.Find(ctx.db(), key, true) != nullptr;
  ctx.reply.Integer(found);
}

void CmdType(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  // Redis's TYPE looks up with LOOKUP_NOTOUCH: no LRU/LFU update, but it counts a keyspace
  // hit or miss (and a keymiss event) like any read.
  ctx.reply.SimpleString(TypeOf(access.FindRead(ctx.db(), args[1], false)));
}

void CmdKeys(CommandContext& ctx, ArgList args) {
  std::string_view pattern = args[1];
  bool all = pattern == "*";
  std::vector<std::string> keys;
  ctx.engine().ForEachKey(ctx.db(), [&](const Entry* e) {
    if (all || GlobMatch(pattern, e->key())) keys.emplace_back(e->key());
  });
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void CmdScan(CommandContext& ctx, ArgList args) {
  ScanArgs scan;
  if (!ParseScanArgs(args, 1, true, &scan, ctx.reply)) return;
  std::vector<std::string> keys;
  uint64_t next = ctx.engine().Scan(ctx.db(), scan.cursor, scan.count, [&](const Entry* e) {
    if (scan.use_pattern && !GlobMatch(scan.pattern, e->key())) return;
    if (scan.use_type && !ArgIs(scan.type, TypeOf(e))) return;
    keys.emplace_back(e->key());
  });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(static_cast<int64_t>(next)));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

void RenameGeneric(CommandContext& ctx, ArgList args, bool nx) {
  std::string_view src = args[1], dst = args[2];
  std::string_view keys[] = {src, dst};
  KeyAccess access(ctx.engine(), keys);
  Entry* e = access.Find(ctx.db(), src, false);
  if (e == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  if (src == dst) {
    if (nx) {
      ctx.reply.Integer(0);
    } else {
      ctx.reply.Ok();
    }
    return;
  }
  if (access.Find(ctx.db(), dst, false) != nullptr) {
    if (nx) {
      ctx.reply.Integer(0);
      return;
    }
    access.Delete(ctx.db(), dst);
  }
  int64_t deadline = access.DeadlineOf(ctx.db(), e);
  access.CopyEntry(ctx.db(), e, ctx.db(), dst, deadline);
  access.Delete(ctx.db(), src);
  access.Notify(kNotifyGeneric, "rename_from", ctx.db(), src);
  access.Notify(kNotifyGeneric, "rename_to", ctx.db(), dst);
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void CmdRename(CommandContext& ctx, ArgList args) { RenameGeneric(ctx, args, false); }
void CmdRenameNx(CommandContext& ctx, ArgList args) { RenameGeneric(ctx, args, true); }

void CmdRandomKey(CommandContext& ctx, ArgList) {
  std::optional<std::string> key = ctx.engine().RandomKey(ctx.db());
  if (key) {
    ctx.reply.Bulk(*key);
  } else {
    ctx.reply.Null();
  }
}

void CmdCopy(CommandContext& ctx, ArgList args) {
  std::string_view src = args[1], dst = args[2];
  int64_t dst_db = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < args.size(); ++j) {
    if (ArgIs(args[j], "replace")) {
      replace = true;
    } else if (ArgIs(args[j], "db") && j + 1 < args.size()) {
      int64_t v;
      if (!ParseInt32Arg(args[j + 1], &v, ctx.reply)) return;
      if (v < 0 || v >= ctx.engine().databases()) {  // checked at once, as Redis does
        ctx.reply.Error(errors::kDbIndexOutOfRange);
        return;
      }
      dst_db = v;
      ++j;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (dst_db == ctx.db() && src == dst) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  std::string_view keys[] = {src, dst};
  KeyAccess access(ctx.engine(), keys);
  Entry* e = access.Find(ctx.db(), src, false);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int target = static_cast<int>(dst_db);
  if (access.Find(target, dst, false) != nullptr) {
    if (!replace) {
      ctx.reply.Integer(0);
      return;
    }
    access.Delete(target, dst);
  }
  // Deleting dst cannot move src: they are different keys (or different databases).
  access.CopyEntry(ctx.db(), e, target, dst, access.DeadlineOf(ctx.db(), e));
  access.Notify(kNotifyGeneric, "copy_to", target, dst);
  ctx.reply.Integer(1);
}

constexpr char kPolicyNote[] =
    " Please note that when switching between policies at runtime LRU and LFU data will take "
    "some time to adjust.";

void CmdObjectEncoding(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[2]);
  Entry* e = access.Find(ctx.db(), args[2], false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(EncodingOf(e));
}

void CmdObjectFreq(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[2]);
  Entry* e = access.Find(ctx.db(), args[2], false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (!IsLfu(ctx.engine().policy())) {
    ctx.reply.Error(std::string("ERR An LFU maxmemory policy is not selected, access frequency "
                                "not tracked.") +
                    kPolicyNote);
    return;
  }
  ctx.reply.Integer(LfuDecayedCounter(e->access(), access.now(), ctx.engine().lfu_params()));
}

void CmdObjectIdleTime(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[2]);
  Entry* e = access.Find(ctx.db(), args[2], false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (IsLfu(ctx.engine().policy())) {
    ctx.reply.Error(std::string("ERR An LFU maxmemory policy is selected, idle time not "
                                "tracked.") +
                    kPolicyNote);
    return;
  }
  ctx.reply.Integer(LruIdleSeconds(e->access(), access.now()));
}

void CmdObjectRefCount(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[2]);
  Entry* e = access.Find(ctx.db(), args[2], false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(1);  // values are never shared between keys
}

void CmdObjectHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterKeyFamily(CommandRegistry& r) {
  const char* g = "generic";
  r.Add(MakeCommand(g, "del", -2, kCmdWrite, 1, -1, 1, "@keyspace @write @slow", "Delete a key",
                    "1.0.0", "O(N)", CmdDel));
  r.Add(MakeCommand(g, "unlink", -2, kCmdWrite | kCmdFast, 1, -1, 1, "@keyspace @write @fast",
                    "Delete a key asynchronously in another thread", "4.0.0", "O(1)", CmdDel));
  r.Add(MakeCommand(g, "exists", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, "@keyspace @read @fast",
                    "Determine if a key exists", "1.0.0", "O(N)", CmdExists));
  r.Add(MakeCommand(g, "touch", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, "@keyspace @read @fast",
                    "Alters the last access time of a key(s)", "3.2.1", "O(N)", CmdTouch));
  r.Add(MakeCommand(g, "type", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "@keyspace @read @fast",
                    "Determine the type stored at key", "1.0.0", "O(1)", CmdType));
  r.Add(MakeCommand(g, "keys", 2, kCmdReadOnly, 0, 0, 0, "@keyspace @read @slow @dangerous",
                    "Find all keys matching the given pattern", "1.0.0", "O(N)", CmdKeys));
  r.Add(MakeCommand(g, "scan", -2, kCmdReadOnly, 0, 0, 0, "@keyspace @read @slow",
                    "Incrementally iterate the keys space", "2.8.0", "O(1) per call", CmdScan));
  r.Add(MakeCommand(g, "rename", 3, kCmdWrite, 1, 2, 1, "@keyspace @write @slow", "Rename a key",
                    "1.0.0", "O(1)", CmdRename));
  r.Add(MakeCommand(g, "renamenx", 3, kCmdWrite | kCmdFast, 1, 2, 1, "@keyspace @write @fast",
                    "Rename a key, only if the new key does not exist", "1.0.0", "O(1)",
                    CmdRenameNx));
  r.Add(MakeCommand(g, "randomkey", 1, kCmdReadOnly, 0, 0, 0, "@keyspace @read @slow",
                    "Return a random key from the keyspace", "1.0.0", "O(1)", CmdRandomKey));
  r.Add(MakeCommand(g, "copy", -3, kCmdWrite | kCmdDenyOom, 1, 2, 1, "@keyspace @write @slow",
                    "Copy a key", "6.2.0", "O(N)", CmdCopy));
  r.Add(
      MakeContainer(g, "object", "A container for object introspection commands", "2.2.3",
                    {MakeCommand(g, "encoding", 3, kCmdReadOnly, 2, 2, 1, "@keyspace @read @slow",
                                 "Inspect the internal encoding of a Redis object", "2.2.3", "O(1)",
                                 CmdObjectEncoding),
                     MakeCommand(g, "freq", 3, kCmdReadOnly, 2, 2, 1, "@keyspace @read @slow",
                                 "Get the logarithmic access frequency counter of a Redis object",
                                 "4.0.0", "O(1)", CmdObjectFreq),
                     MakeCommand(g, "idletime", 3, kCmdReadOnly, 2, 2, 1, "@keyspace @read @slow",
                                 "Get the time since a Redis object was last accessed", "2.2.3",
                                 "O(1)", CmdObjectIdleTime),
                     MakeCommand(g, "refcount", 3, kCmdReadOnly, 2, 2, 1, "@keyspace @read @slow",
                                 "Get the number of references to the value of the key", "2.2.3",
                                 "O(1)", CmdObjectRefCount),
                     MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@keyspace @slow",
                                 "Show helpful text about the different subcommands", "6.2.0",
                                 "O(1)", CmdObjectHelp)}));
}

}  // namespace cachet
