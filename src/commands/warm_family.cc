// Warming commands (docs/warming.md): WARM LOAD / STATUS / CANCEL / SAVE / HELP, and
// WARM.RESTORE, the form in which loaded keys reach the append-only log.
#include <string>

#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"
#include "commands/warm_service.h"
#include "engine/engine.h"
#include "persist/snapshot_records.h"

namespace cachet {
namespace {

WarmService* Service(CommandContext& ctx) {
  if (ctx.server.warm == nullptr) ctx.reply.Error(errors::kWarmUnavailable);
  return ctx.server.warm;
}

// "DEFAULT" names the warm-file option (returned as "").
std::string_view PathArg(std::string_view arg) { return ArgIs(arg, "default") ? "" : arg; }

// WARM LOAD path|DEFAULT [REPLACE] [BATCH n] [PAUSE ms]
void CmdLoad(CommandContext& ctx, ArgList args) {
  WarmService* warm = Service(ctx);
  if (warm == nullptr) return;
  WarmLoadOptions options = warm->DefaultOptions();
  for (size_t i = 3; i < args.size(); ++i) {
    int64_t n = 0;
    if (ArgIs(args[i], "replace")) {
      options.replace = true;
    } else if (ArgIs(args[i], "batch") && i + 1 < args.size()) {
      if (!ParseIntArg(args[++i], &n, ctx.reply)) return;
      if (n < 1 || n > 1'000'000) {
        ctx.reply.Error(errors::kWarmBadBatch);
        return;
      }
      options.batch = static_cast<size_t>(n);
    } else if (ArgIs(args[i], "pause") && i + 1 < args.size()) {
      if (!ParseIntArg(args[++i], &n, ctx.reply)) return;
      if (n < 0 || n > 60000) {
        ctx.reply.Error(errors::kWarmBadPause);
        return;
      }
      options.pause_ms = n;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  std::string error = warm->Load(PathArg(args[2]), options);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

void CmdStatus(CommandContext& ctx, ArgList) {
  WarmService* warm = Service(ctx);
  if (warm == nullptr) return;
  WarmProgress p = warm->Progress();
  WarmSaveInfo s = warm->LastSave();
  ctx.reply.MapHeader(12);
  ctx.reply.Bulk("state");
  ctx.reply.Bulk(WarmStateName(p.state));
  ctx.reply.Bulk("file");
  ctx.reply.Bulk(p.file);
  for (auto [name, value] : {std::pair{"keys_total", p.total},
                             {"loaded", p.loaded},
                             {"skipped_existing", p.skipped_existing},
                             {"skipped_expired", p.skipped_expired},
                             {"failed", p.failed}}) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(static_cast<int64_t>(value));
  }
  ctx.reply.Bulk("elapsed_ms");
  ctx.reply.Integer(p.elapsed_ms);
  ctx.reply.Bulk("error");
  ctx.reply.Bulk(p.error);
  ctx.reply.Bulk("last_save_file");
  ctx.reply.Bulk(s.file);
  ctx.reply.Bulk("last_save_keys");
  ctx.reply.Integer(static_cast<int64_t>(s.keys));
  ctx.reply.Bulk("last_save_time");
  ctx.reply.Integer(s.time_s);
}

void CmdCancel(CommandContext& ctx, ArgList) {
  if (WarmService* warm = Service(ctx)) ctx.reply.Integer(warm->Cancel() ? 1 : 0);
}

// WARM SAVE [path|DEFAULT]: the number of keys written.
void CmdSave(CommandContext& ctx, ArgList args) {
  WarmService* warm = Service(ctx);
  if (warm == nullptr) return;
  if (args.size() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  WarmSaveStats stats;
  std::string error = warm->Save(args.size() == 3 ? PathArg(args[2]) : "", &stats);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(stats.keys));
}

void CmdHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "WARM <subcommand> [<arg> ...]. Subcommands are:",
      "LOAD <path>|DEFAULT [REPLACE] [BATCH <n>] [PAUSE <ms>]",
      "    Load keys from a warm file in the background, keeping existing keys unless REPLACE.",
      "STATUS",
      "    Progress of the current or last load, and the last warm file taken.",
      "CANCEL",
      "    Stop a running load.",
      "SAVE [<path>|DEFAULT]",
      "    Write the hottest keys (warm-keys per database) to a warm file now.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

// WARM.RESTORE key record: stores the key record (type byte + payload, as in a warm file),
// replacing the key. Loaded keys are logged in this form.
void CmdRestore(CommandContext& ctx, ArgList args) {
  std::string_view record = args[2];
  KeyRecord rec;
  if (record.empty() || !DecodeKeyRecord(static_cast<uint8_t>(record[0]), record.substr(1), &rec) ||
      rec.key != args[1]) {
    ctx.reply.Error(errors::kWarmBadRecord);
    return;
  }
  WarmApplyResult r =
      ApplyKeyRecord(ctx.engine(), ctx.db(), static_cast<uint8_t>(record[0]), record.substr(1),
                     /*replace=*/true, ctx.server.encoding_limits.Load());
  if (r == WarmApplyResult::kMalformed) {
    ctx.reply.Error(errors::kWarmBadRecord);
    return;
  }
  ctx.reply.Integer(r == WarmApplyResult::kLoaded ? 1 : 0);
}

}  // namespace

void RegisterWarmFamily(CommandRegistry& r) {
  const char* g = "server";
  const uint32_t kF = kCmdAdmin | kCmdNoScript;
  const char* acl = "@admin @slow @dangerous";
  r.Add(MakeContainer(
      g, "warm", "Cache warming: load and take warm files of hot keys", "0.1.0",
      {MakeCommand(g, "load", -3, kF, 0, 0, 0, acl, "Load a warm file in the background", "0.1.0",
                   "O(1) (the load runs in the background)", CmdLoad),
       MakeCommand(g, "status", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@admin @slow",
                   "Progress of the warm load", "0.1.0", "O(1)", CmdStatus),
       MakeCommand(g, "cancel", 2, kF, 0, 0, 0, acl, "Stop a running warm load", "0.1.0", "O(1)",
                   CmdCancel),
       MakeCommand(g, "save", -2, kF | kCmdNoMulti, 0, 0, 0, acl,
                   "Write the hottest keys to a warm file", "0.1.0",
                   "O(N) where N is the number of keys", CmdSave),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                   "Show helpful text about the different subcommands", "0.1.0", "O(1)",
                   CmdHelp)}));
  r.Add(MakeCommand(g, "warm.restore", 3, kCmdWrite | kCmdDenyOom, 1, 1, 1,
                    "@keyspace @write @slow", "Store one key record of a warm file", "0.1.0",
                    "O(N) where N is the size of the value", CmdRestore));
}

}  // namespace cachet
