// INVALIDATE (docs/invalidation.md): KEY, TAG, PATTERN and EVENT delete what they name (EVENT
// through the [[rule]]s of the configuration) and report how many keys went; LOG shows the
// recent invalidations; RULES lists the rules.
#include <string>
#include <vector>

#include "commands/errors.h"
#include "commands/invalidation_log.h"
#include "commands/invalidation_rules.h"
#include "commands/invalidation_runner.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"

namespace cachet {
namespace {

std::string JoinArgs(ArgList args) {
  std::string out;
  for (std::string_view a : args) out += (out.empty() ? "" : " ") + std::string(a);
  return out;
}

void ReplyCount(CommandContext& ctx, uint64_t n) { ctx.reply.Integer(static_cast<int64_t>(n)); }

// INVALIDATE KEY key [key ...]
void CmdKey(CommandContext& ctx, ArgList args) {
  InvalidationTargets t;
  for (std::string_view k : args.subspan(2)) t.keys.emplace_back(k);
  // Named keys are few and cheap: deleted at once, on this thread.
  ReplyCount(ctx, RunInvalidation(ctx.server, ctx.db(), ctx.client.replaying, "key",
                                  JoinArgs(args.subspan(2)), "INVALIDATE KEY", t));
}

// INVALIDATE TAG tag [tag ...]
void CmdTag(CommandContext& ctx, ArgList args) {
  InvalidationTargets t;
  for (std::string_view k : args.subspan(2)) t.tags.emplace_back(k);
  ReplyInvalidation(ctx, "tag", JoinArgs(args.subspan(2)), "INVALIDATE TAG", std::move(t));
}

// INVALIDATE PATTERN glob
void CmdPattern(CommandContext& ctx, ArgList args) {
  InvalidationTargets t;
  t.patterns.emplace_back(args[2]);
  ReplyInvalidation(ctx, "pattern", std::string(args[2]), "INVALIDATE PATTERN", std::move(t));
}

// INVALIDATE EVENT name [field value ...]
void CmdEvent(CommandContext& ctx, ArgList args) {
  if (args.size() % 2 != 1) {
    ctx.reply.Error(errors::kEventFieldsOdd);
    return;
  }
  std::string_view event = args[2];
  const InvalidationRules* rules = ctx.server.rules;
  if (rules == nullptr || !rules->Handles(event)) {
    ctx.reply.Error(errors::kNoSuchRule);
    return;
  }
  EventFields fields;
  for (size_t i = 3; i + 1 < args.size(); i += 2) fields.emplace_back(args[i], args[i + 1]);
  EventTargets expanded;
  std::string error;
  if (!rules->Expand(event, fields, &expanded, &error)) {
    ctx.reply.Error(error);
    return;
  }
  InvalidationTargets t{expanded.keys, expanded.tags, expanded.patterns};
  ReplyInvalidation(ctx, "event", JoinArgs(args.subspan(2)), "event " + std::string(event),
                    std::move(t));
}

void ReplyRecord(ReplyBuilder& reply, const InvalidationRecord& r) {
  reply.MapHeader(9);
  reply.Bulk("id");
  reply.Integer(static_cast<int64_t>(r.id));
  reply.Bulk("time_ms");
  reply.Integer(r.time_ms);
  reply.Bulk("kind");
  reply.Bulk(r.kind);
  reply.Bulk("target");
  reply.Bulk(r.target);
  reply.Bulk("reason");
  reply.Bulk(r.reason);
  reply.Bulk("db");
  reply.Integer(r.db);
  reply.Bulk("keys");
  reply.Integer(static_cast<int64_t>(r.keys));
  reply.Bulk("duration_us");
  reply.Integer(r.duration_us);
  reply.Bulk("longest_batch_us");
  reply.Integer(r.longest_batch_us);
}

// INVALIDATE LOG [count] | INVALIDATE LOG RESET
void CmdLog(CommandContext& ctx, ArgList args) {
  InvalidationLog* log = ctx.server.invalidations;
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (args.size() == 3 && ArgIs(args[2], "reset")) {
    if (log != nullptr) log->Reset();
    ctx.reply.Ok();
    return;
  }
  int64_t count = 10;
  if (args.size() == 3 && (!ParseIntArg(args[2], &count, ctx.reply))) return;
  if (count < 0) {
    ctx.reply.Error(errors::kValueOutOfRange);
    return;
  }
  std::vector<InvalidationRecord> records;
  if (log != nullptr) records = log->Recent(static_cast<size_t>(count));
  ctx.reply.ArrayHeader(records.size());
  for (const InvalidationRecord& r : records) ReplyRecord(ctx.reply, r);
}

void ReplyList(ReplyBuilder& reply, const std::vector<std::string>& items) {
  reply.ArrayHeader(items.size());
  for (const std::string& s : items) reply.Bulk(s);
}

// INVALIDATE RULES
void CmdRules(CommandContext& ctx, ArgList) {
  static const std::vector<InvalidationRule> kNone;
  const std::vector<InvalidationRule>& rules =
      ctx.server.rules != nullptr ? ctx.server.rules->all() : kNone;
  ctx.reply.ArrayHeader(rules.size());
  for (const InvalidationRule& r : rules) {
    ctx.reply.MapHeader(4);
    ctx.reply.Bulk("event");
    ctx.reply.Bulk(r.event);
    ctx.reply.Bulk("keys");
    ReplyList(ctx.reply, r.keys);
    ctx.reply.Bulk("tags");
    ReplyList(ctx.reply, r.tags);
    ctx.reply.Bulk("patterns");
    ReplyList(ctx.reply, r.patterns);
  }
}

void CmdHelp(CommandContext& ctx, ArgList) {
  static const char* const lines[] = {
      "INVALIDATE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "KEY <key> [<key> ...]",
      "    Delete the keys; the invalidation is logged and published.",
      "TAG <tag> [<tag> ...]",
      "    Delete every key carrying any of the tags.",
      "PATTERN <glob>",
      "    Delete the keys matching the glob (walks only the keys under its literal prefix).",
      "EVENT <name> [<field> <value> ...]",
      "    Apply the [[rule]]s configured for the event.",
      "LOG [<count>|RESET]",
      "    The most recent invalidations (10 by default), newest first.",
      "RULES",
      "    The configured rules.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterInvalidateFamily(CommandRegistry& r) {
  const char* g = "invalidate";
  r.Add(MakeContainer(
      g, "invalidate", "Invalidate cached keys by key, tag, pattern or event", "0.1.0",
      {MakeCommand(g, "key", -3, kCmdWrite, 2, -1, 1, "@write",
                   "Delete the keys and report the invalidation", "0.1.0", "O(N)", CmdKey),
       MakeCommand(g, "tag", -3, kCmdWrite, 0, 0, 0, "@write @slow",
                   "Delete every key carrying any of the tags", "0.1.0",
                   "O(N) where N is the number of keys deleted", CmdTag),
       MakeCommand(g, "pattern", 3, kCmdWrite, 0, 0, 0, "@write @slow",
                   "Delete the keys matching a glob (served from the key order index)", "0.1.0",
                   "O(log N + M) where M is the number of keys under the literal prefix",
                   CmdPattern),
       MakeCommand(g, "event", -3, kCmdWrite, 0, 0, 0, "@write @slow",
                   "Apply the configured rules for an application event", "0.1.0",
                   "O(N) where N is the number of keys deleted", CmdEvent),
       MakeCommand(g, "log", -2, kCmdReadOnly | kCmdAdmin, 0, 0, 0, "@admin @slow",
                   "The recent invalidations", "0.1.0", "O(N)", CmdLog),
       MakeCommand(g, "rules", 2, kCmdReadOnly, 0, 0, 0, "@read @slow",
                   "The configured invalidation rules", "0.1.0", "O(N)", CmdRules),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                   "Show helpful text about the different subcommands", "0.1.0", "O(1)",
                   CmdHelp)}));
}

}  // namespace cachet
