// Persistence commands: SAVE BGSAVE LASTSAVE BGREWRITEAOF.
#include <string>

#include "commands/command.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/server_context.h"

namespace cachet {
namespace {

bool Available(CommandContext& ctx) {
  if (ctx.server.persistence != nullptr) return true;
  ctx.reply.Error("ERR persistence is not available in this context");
  return false;
}

void CmdSave(CommandContext& ctx, ArgList) {
  if (!Available(ctx)) return;
  std::string err = ctx.server.persistence->Save();
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err);
  }
}

void CmdBgSave(CommandContext& ctx, ArgList args) {
  bool schedule = false;
  if (args.size() == 2) {
    if (!ArgIs(args[1], "schedule")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    schedule = true;
  } else if (args.size() > 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (!Available(ctx)) return;
  std::string status;
  std::string err = ctx.server.persistence->BackgroundSave(schedule, ctx.client.in_exec, &status);
  if (err.empty()) {
    ctx.reply.SimpleString(status);
  } else {
    ctx.reply.Error(err);
  }
}

void CmdBgRewriteAof(CommandContext& ctx, ArgList) {
  if (!Available(ctx)) return;
  std::string status;
  std::string err = ctx.server.persistence->BackgroundRewrite(ctx.client.in_exec, &status);
  if (err.empty()) {
    ctx.reply.SimpleString(status);
  } else {
    ctx.reply.Error(err);
  }
}

void CmdLastSave(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(ctx.server.persistence ? ctx.server.persistence->LastSaveSeconds()
                                           : ctx.server.start_time_ms / 1000);
}

}  // namespace

void RegisterPersistenceFamily(CommandRegistry& r) {
  const char* g = "server";
  const uint32_t kF = kCmdAdmin | kCmdNoScript;
  const char* acl = "@admin @slow @dangerous";
  r.Add(MakeCommand(g, "save", 1, kF | kCmdNoMulti, 0, 0, 0, acl,
                    "Synchronously save the dataset to disk", "1.0.0", "O(N)", CmdSave));
  r.Add(MakeCommand(g, "bgsave", -1, kF, 0, 0, 0, acl, "Asynchronously save the dataset to disk",
                    "1.0.0", "O(1)", CmdBgSave));
  r.Add(MakeCommand(g, "bgrewriteaof", 1, kF, 0, 0, 0, acl,
                    "Asynchronously rewrite the append-only file", "1.0.0", "O(1)",
                    CmdBgRewriteAof));
  r.Add(MakeCommand(
      g, "lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, "@fast @dangerous",
      "Get the UNIX time stamp of the last successful save to disk", "1.0.0", "O(1)", CmdLastSave));
}

}  // namespace cachet
