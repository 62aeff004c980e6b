// Tag commands (docs/tags.md): CACHE.SET (SET with TAGS), TAG.ADD, TAG.GET, TAG.KEYS and
// TAG.INVALIDATE. Tags belong to the keys of one database; the engine's per-slice TagIndex keeps
// them exact on every removal path.
#include <algorithm>
#include <string>
#include <vector>

#include "base/hash.h"
#include "base/numbers.h"
#include "commands/errors.h"
#include "commands/expire_args.h"
#include "commands/invalidation_runner.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/tag_args.h"
#include "core/string_value.h"
#include "engine/key_access.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

// CACHE.SET key value [NX|XX] [GET] [EX s|PX ms|EXAT|PXAT|KEEPTTL] [TAGS tag ...]
void CmdCacheSet(CommandContext& ctx, ArgList args) {
  size_t tags_at = args.size();
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "tags")) {
      tags_at = i;
      break;
    }
  }
  ArgList tags = tags_at < args.size() ? args.subspan(tags_at + 1) : ArgList();
  if (tags_at < args.size() && !CheckTags(tags, ctx.reply)) return;
  SetOptions o;
  if (!ParseSetOptions(args.first(tags_at), 3, SetOptionsFor::kSet, &o, ctx.reply)) return;
  std::string_view key = args[1], value = args[2];
  KeyAccess access(ctx.engine(), key);
  int64_t deadline = KeyAccess::kNoDeadline;
  if (o.unit != ExpireUnit::kNone &&
      !ResolveDeadline(o.expire_arg, o.unit, access.now(), "cache.set", &deadline, ctx.reply)) {
    return;
  }
  Entry* e = access.Find(ctx.db(), key);
  if (o.get) {
    if (NotAString(e, ctx.reply)) return;
    if (e == nullptr) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(StringValue(e));
    }
  }
  if ((o.nx && e != nullptr) || (o.xx && e == nullptr)) {
    if (!o.get) ctx.reply.Null();
    return;
  }
  if (PropagationScope::Logging()) {
    std::vector<std::string> logged = AbsoluteSetForm("CACHE.SET", key, value, o, deadline);
    if (!tags.empty()) logged.push_back("TAGS");
    for (std::string_view t : tags) logged.emplace_back(t);
    PropagationScope::Rewrite(std::move(logged));
  }
  if (o.keep_ttl) deadline = KeyAccess::kKeepDeadline;
  e = access.SetString(ctx.db(), key, value, ChooseStringEncoding(value), deadline);
  AddTags(access, ctx.db(), e, tags);  // a fresh value: within the limit checked above
  access.Notify(kNotifyString, "set", ctx.db(), key);
  if (o.unit != ExpireUnit::kNone) access.Notify(kNotifyGeneric, "expire", ctx.db(), key);
  if (!o.get) ctx.reply.Ok();
}

// TAG.ADD key tag [tag ...]: how many of the tags are new to the key (0 for a missing key).
void CmdTagAdd(CommandContext& ctx, ArgList args) {
  ArgList tags = args.subspan(2);
  if (!CheckTags(tags, ctx.reply)) return;
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.Find(ctx.db(), args[1], false);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t added = AddTags(access, ctx.db(), e, tags);
  if (added < 0) {
    ctx.reply.Error(errors::kTooManyTags);
    return;
  }
  ctx.reply.Integer(added);
}

// TAG.GET key: the key's tags in the order they were given (empty for a missing key).
void CmdTagGet(CommandContext& ctx, ArgList args) {
  KeyAccess access(ctx.engine(), args[1]);
  Entry* e = access.Find(ctx.db(), args[1], false);
  const std::vector<std::string>* tags = e != nullptr ? access.TagsOf(ctx.db(), e) : nullptr;
  if (tags == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(tags->size());
  for (const std::string& t : *tags) ctx.reply.Bulk(t);
}

// TAG.KEYS tag: the live keys carrying tag, sorted.
void CmdTagKeys(CommandContext& ctx, ArgList args) {
  std::vector<std::string> keys;
  for (int s = 0; s < Engine::kShards; ++s) {
    KeyAccess access(ctx.engine(), KeyAccess::WholeShard{s});
    DbSlice& slice = access.SliceOf(s, ctx.db());
    const TagIndex::KeySet* set = slice.tags.KeysOf(args[1]);
    if (set == nullptr) continue;
    for (const std::string& k : *set) {
      Entry* e = KeyTable::EntryAt(slice.table.Find(k, HashKey(k)));
      if (e->has_expire() && slice.expires.DeadlineOf(e) < access.now()) continue;
      keys.push_back(k);
    }
  }
  std::sort(keys.begin(), keys.end());
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) ctx.reply.Bulk(k);
}

// TAG.INVALIDATE tag [tag ...]: deletes every key carrying any of the tags.
void CmdTagInvalidate(CommandContext& ctx, ArgList args) {
  InvalidationTargets targets;
  std::string target;
  for (std::string_view t : args.subspan(1)) {
    targets.tags.emplace_back(t);
    target += (target.empty() ? "" : " ") + std::string(t);
  }
  ReplyInvalidation(ctx, "tag", target, "TAG.INVALIDATE", std::move(targets));
}

}  // namespace

void RegisterTagFamily(CommandRegistry& r) {
  const char* g = "tag";
  r.Add(MakeCommand(g, "cache.set", -3, kCmdWrite | kCmdDenyOom, 1, 1, 1, "@write @string",
                    "SET that also tags the key (TAGS tag ...)", "0.1.0", "O(1 + number of tags)",
                    CmdCacheSet));
  r.Add(MakeCommand(g, "tag.add", -3, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, "@write @fast",
                    "Tag an existing key", "0.1.0", "O(number of tags)", CmdTagAdd));
  r.Add(MakeCommand(g, "tag.get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "@read @fast",
                    "The tags of a key", "0.1.0", "O(number of tags)", CmdTagGet));
  r.Add(MakeCommand(g, "tag.keys", 2, kCmdReadOnly, 0, 0, 0, "@read @slow",
                    "The keys carrying a tag", "0.1.0", "O(N) where N is the number of keys",
                    CmdTagKeys));
  r.Add(MakeCommand(g, "tag.invalidate", -2, kCmdWrite, 0, 0, 0, "@write @slow",
                    "Delete every key carrying any of the tags", "0.1.0",
                    "O(N) where N is the number of keys deleted", CmdTagInvalidate));
}

}  // namespace cachet
