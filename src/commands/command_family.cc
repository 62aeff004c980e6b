// COMMAND, COMMAND COUNT / INFO / DOCS / LIST / HELP, generated from the command table.
#include <sstream>
#include <string>
#include <vector>

#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "core/glob.h"

namespace cachet {
namespace {

std::vector<std::string> FlagNames(uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCmdWrite, "write"},
      {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},
      {kCmdNoScript, "noscript"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdMayReplicate, "may_replicate"},
      {kCmdNoMulti, "no_multi"},
      {kCmdBlocking, "blocking"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames)
    if (flags & bit) out.push_back(name);
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void ReplyCommandInfo(ReplyBuilder& reply, const CommandSpec& c) {
  reply.ArrayHeader(10);
  reply.Bulk(c.full_name);
  reply.Integer(c.arity);
  std::vector<std::string> flags = FlagNames(c.flags);
  reply.SetHeader(flags.size());
  for (const std::string& f : flags) reply.SimpleString(f);
  reply.Integer(c.first_key);
  reply.Integer(c.last_key);
  reply.Integer(c.step);
  std::vector<std::string> acl = Words(c.acl);
  reply.SetHeader(acl.size());
  for (const std::string& a : acl) reply.SimpleString(a);
  reply.ArrayHeader(0);   // tips
  if (c.first_key > 0) {  // one key spec describing the key range
    reply.ArrayHeader(1);
    reply.MapHeader(3);
    reply.Bulk("flags");
    reply.SetHeader(0);
    reply.Bulk("begin_search");
    reply.MapHeader(2);
    reply.Bulk("type");
    reply.Bulk("index");
    reply.Bulk("spec");
    reply.MapHeader(1);
    reply.Bulk("index");
    reply.Integer(c.first_key);
    reply.Bulk("find_keys");
    reply.MapHeader(2);
    reply.Bulk("type");
    reply.Bulk("range");
    reply.Bulk("spec");
    reply.MapHeader(3);
    reply.Bulk("lastkey");
    reply.Integer(c.last_key < 0 ? -1 : c.last_key - c.first_key);
    reply.Bulk("keystep");
    reply.Integer(c.step);
    reply.Bulk("limit");
    reply.Integer(0);
  } else {
    reply.ArrayHeader(0);
  }
  reply.ArrayHeader(c.subcommands.size());
  for (const CommandSpec& sub : c.subcommands) ReplyCommandInfo(reply, sub);
}

void ReplyCommandDocs(ReplyBuilder& reply, const CommandSpec& c) {
  reply.MapHeader(c.subcommands.empty() ? 4 : 5);
  reply.Bulk("summary");
  reply.Bulk(c.summary);
  reply.Bulk("since");
  reply.Bulk(c.since);
  reply.Bulk("group");
  reply.Bulk(c.group);
  reply.Bulk("complexity");
  reply.Bulk(c.complexity);
  if (!c.subcommands.empty()) {
    reply.Bulk("subcommands");
    reply.MapHeader(c.subcommands.size());
    for (const CommandSpec& sub : c.subcommands) {
      reply.Bulk(sub.full_name);
      ReplyCommandDocs(reply, sub);
    }
  }
}

void CmdCommand(CommandContext& ctx, ArgList) {
  auto all = ctx.server.commands->All();
  ctx.reply.ArrayHeader(all.size());
  for (const CommandSpec* c : all) ReplyCommandInfo(ctx.reply, *c);
}

void CmdCommandCount(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands->All().size()));
}

// Resolves "get" or "client|list" to a spec.
const CommandSpec* Resolve(CommandRegistry& registry, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return registry.Find(name);
  const CommandSpec* parent = registry.Find(name.substr(0, bar));
  return parent ? CommandRegistry::FindSub(*parent, name.substr(bar + 1)) : nullptr;
}

void CmdCommandInfo(CommandContext& ctx, ArgList args) {
  if (args.size() == 2) {
    CmdCommand(ctx, args);
    return;
  }
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const CommandSpec* c = Resolve(*ctx.server.commands, args[i]);
    if (c == nullptr) {
      ctx.reply.NullArray();
    } else {
      ReplyCommandInfo(ctx.reply, *c);
    }
  }
}

void CmdCommandDocs(CommandContext& ctx, ArgList args) {
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    specs = ctx.server.commands->All();
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* c = Resolve(*ctx.server.commands, args[i]);
      if (c != nullptr) specs.push_back(c);
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* c : specs) {
    ctx.reply.Bulk(c->full_name);
    ReplyCommandDocs(ctx.reply, *c);
  }
}

void CmdCommandList(CommandContext& ctx, ArgList args) {
  std::string_view filter, value;
  if (args.size() == 5 && ArgIs(args[2], "filterby")) {
    filter = args[3];
    value = args[4];
    if (!ArgIs(filter, "module") && !ArgIs(filter, "aclcat") && !ArgIs(filter, "pattern")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  } else if (args.size() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& c) {
    if (ArgIs(filter, "module")) return;  // no modules
    if (ArgIs(filter, "aclcat")) {
      bool has = false;
      for (const std::string& cat : Words(c.acl)) has |= cat.substr(1) == value;
      if (!has) return;
    }
    if (ArgIs(filter, "pattern") && !GlobMatch(value, c.full_name, true)) return;
    names.push_back(c.full_name);
  };
  for (const CommandSpec* c : ctx.server.commands->All()) {
    consider(*c);
    for (const CommandSpec& sub : c->subcommands) consider(sub);
  }
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

void CmdCommandHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple commands.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple commands.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

void CmdCommandDispatch(CommandContext& ctx, ArgList args);

}  // namespace

void RegisterCommandFamily(CommandRegistry& r) {
  const char* g = "server";
  const uint32_t kF = kCmdLoading | kCmdStale;
  const char* acl = "@slow @connection";
  CommandSpec command = MakeContainer(
      g, "command", "Get array of Redis command details", "2.8.13",
      {MakeCommand(g, "count", 2, kF, 0, 0, 0, acl, "Get total number of Redis commands", "2.8.13",
                   "O(1)", CmdCommandCount),
       MakeCommand(g, "info", -2, kF, 0, 0, 0, acl,
                   "Get array of specific Redis command details, or all when no argument is given.",
                   "2.8.13", "O(N)", CmdCommandInfo),
       MakeCommand(g, "docs", -2, kF, 0, 0, 0, acl,
                   "Get array of specific Redis command documentation", "7.0.0", "O(N)",
                   CmdCommandDocs),
       MakeCommand(g, "list", -2, kF, 0, 0, 0, acl, "Get an array of Redis command names", "7.0.0",
                   "O(N)", CmdCommandList),
       MakeCommand(g, "help", 2, kF, 0, 0, 0, acl,
                   "Show helpful text about the different subcommands", "5.0.0", "O(1)",
                   CmdCommandHelp)});
  // Plain COMMAND (no subcommand) lists everything; the dispatcher handles arity -1 for it.
  command.arity = -1;
  command.flags = kF;
  command.acl = acl;
  command.handler = CmdCommandDispatch;
  r.Add(std::move(command));
}

namespace {
void CmdCommandDispatch(CommandContext& ctx, ArgList args) { CmdCommand(ctx, args); }
}  // namespace

}  // namespace cachet
