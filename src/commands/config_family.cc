// CONFIG GET SET RESETSTAT HELP.
#include <set>
#include <string>
#include <vector>

#include "commands/command_stats.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "commands/slowlog.h"
#include "config/config.h"
#include "engine/engine.h"

namespace cachet {
namespace {

void CmdConfigGet(CommandContext& ctx, ArgList args) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (size_t i = 2; i < args.size(); ++i) {
    for (auto& kv : ctx.server.config->Match(args[i])) {
      if (seen.insert(kv.first).second) out.push_back(std::move(kv));
    }
  }
  ctx.reply.MapHeader(out.size());
  for (const auto& [name, value] : out) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

void CmdConfigSet(CommandContext& ctx, ArgList args) {
  if (args.size() % 2 != 0) {
    ctx.reply.Error("ERR wrong number of arguments for 'config|set' command");
    return;
  }
  Config& config = *ctx.server.config;
  // Validate everything first, then apply: all or nothing, as Redis 7 does.
  for (size_t i = 2; i < args.size(); i += 2) {
    if (!config.Has(args[i])) {
      ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                      std::string(args[i]) + "'");
      return;
    }
    for (size_t k = 2; k < i; k += 2) {
      std::string lower(args[i]);
      for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      if (ArgIs(args[k], lower)) {
        ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" +
                        std::string(args[i]) + "') - duplicate parameter");
        return;
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> previous;
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string error;
    std::string old = config.Get(args[i]).value_or("");
    if (!config.Set(args[i], args[i + 1], false, &error)) {
      for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
        std::string ignored;
        config.Set(it->first, it->second, false, &ignored);
      }
      ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" +
                      std::string(args[i]) + "') - " + error);
      return;
    }
    previous.emplace_back(std::string(args[i]), old);
  }
  ctx.reply.Ok();
}

void CmdConfigResetStat(CommandContext& ctx, ArgList) {
  CommandStats::Reset();
  ctx.engine().ResetStats();
  ctx.server.connections.total_connections_received.store(0);
  ctx.server.connections.rejected_connections.store(0);
  ctx.server.connections.net_input_bytes.store(0);
  ctx.server.connections.net_output_bytes.store(0);
  ctx.reply.Ok();
}

void CmdConfigHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterConfigFamily(CommandRegistry& r) {
  const char* g = "server";
  const uint32_t kF = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  const char* acl = "@admin @slow @dangerous";
  r.Add(MakeContainer(
      g, "config", "A container for server configuration commands", "2.0.0",
      {MakeCommand(g, "get", -3, kF, 0, 0, 0, acl, "Get the values of configuration parameters",
                   "2.0.0", "O(N)", CmdConfigGet),
       MakeCommand(g, "set", -4, kF | kCmdMayReplicate, 0, 0, 0, acl,
                   "Set configuration parameters to the given values", "2.0.0", "O(N)",
                   CmdConfigSet),
       MakeCommand(g, "resetstat", 2, kF, 0, 0, 0, acl, "Reset the stats returned by INFO", "2.0.0",
                   "O(1)", CmdConfigResetStat),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                   "Show helpful text about the different subcommands", "5.0.0", "O(1)",
                   CmdConfigHelp)}));
}

}  // namespace cachet
