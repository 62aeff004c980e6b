// CLIENT ID SETNAME GETNAME LIST INFO KILL HELP.
#include <algorithm>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/numbers.h"
#include "commands/client_registry.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "commands/server_context.h"

namespace cachet {
namespace {

std::string DescribeClient(ClientInfo& info, int64_t now_ms) {
  int64_t age = (now_ms - info.created_ms) / 1000;
  int64_t idle = (now_ms - info.last_interaction_ms.load()) / 1000;
  std::string flags;
  if (info.monitor.load()) flags += 'O';
  if (info.pubsub.load()) flags += 'P';
  if (info.multi.load() >= 0) flags += 'x';
  if (info.blocked.load()) flags += 'b';
  const WatchState* watch = info.watch.load();
  if (watch != nullptr && watch->dirty.load()) flags += 'd';
  if (flags.empty()) flags = "N";
  std::string s;
  s.reserve(256);
  s += "id=" + std::to_string(info.id);
  s += " addr=" + info.addr;
  s += " laddr=" + info.laddr;
  s += " fd=" + std::to_string(info.fd);
  s += " name=" + info.name();
  s += " age=" + std::to_string(age);
  s += " idle=" + std::to_string(idle < 0 ? 0 : idle);
  s += " flags=" + flags;
  s += " db=" + std::to_string(info.db.load());
  s += " sub=" + std::to_string(info.sub.load());
  s += " psub=" + std::to_string(info.psub.load());
  s += " ssub=0 multi=" + std::to_string(info.multi.load());
  s += " qbuf=" + std::to_string(info.query_buffer.load());
  s += " qbuf-free=" + std::to_string(info.query_buffer_free.load());
  s += " argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0";
  s += " omem=" + std::to_string(info.output_pending.load());
  s += " tot-mem=" + std::to_string(info.query_buffer.load() + info.query_buffer_free.load() +
                                    info.output_pending.load());
  s += " events=r cmd=";
  s += info.last_command.load();
  s += " user=default redir=-1 resp=" + std::to_string(info.resp.load());
  return s;
}

void CmdClientId(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
}

void CmdClientSetName(CommandContext& ctx, ArgList args) {
  for (char c : args[2]) {
    if (c < '!' || c > '~') {
      ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  ctx.client.info->set_name(std::string(args[2]));
  ctx.reply.Ok();
}

void CmdClientGetName(CommandContext& ctx, ArgList) {
  std::string name = ctx.client.info->name();
  if (name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(name);
  }
}

void CmdClientInfo(CommandContext& ctx, ArgList) {
  ctx.reply.Verbatim(DescribeClient(*ctx.client.info, SystemClock::Get()->NowMs()) + "\n");
}

void CmdClientList(CommandContext& ctx, ArgList args) {
  std::vector<uint64_t> ids;
  for (size_t j = 2; j < args.size(); ++j) {
    if (ArgIs(args[j], "type") && j + 1 < args.size()) {
      std::string_view type = args[++j];
      if (!ArgIs(type, "normal") && !ArgIs(type, "master") && !ArgIs(type, "replica") &&
          !ArgIs(type, "slave") && !ArgIs(type, "pubsub")) {
        ctx.reply.Error("ERR Unknown client type '" + std::string(type) + "'");
        return;
      }
      if (!ArgIs(type, "normal")) {
        ctx.reply.Verbatim("");
        return;
      }
    } else if (ArgIs(args[j], "id") && j + 1 < args.size()) {
      for (++j; j < args.size(); ++j) {
        int64_t id;
        if (!ParseInt64(args[j], &id) || id <= 0) {
          ctx.reply.Error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  int64_t now = SystemClock::Get()->NowMs();
  std::string out;
  auto clients = ctx.server.clients->Snapshot();
  std::sort(clients.begin(), clients.end(),
            [](const auto& a, const auto& b) { return a->info().id < b->info().id; });
  for (const auto& c : clients) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c->info().id) == ids.end()) continue;
    out += DescribeClient(c->info(), now) + "\n";
  }
  ctx.reply.Verbatim(out);
}

void CmdClientKill(CommandContext& ctx, ArgList args) {
  auto clients = ctx.server.clients->Snapshot();
  if (args.size() == 3) {  // old form: CLIENT KILL ip:port
    for (const auto& c : clients) {
      if (c->info().addr == args[2]) {
        c->RequestClose();
        ctx.reply.Ok();
        return;
      }
    }
    ctx.reply.Error("ERR No such client");
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> filters;
  bool skipme = true;
  for (size_t j = 2; j < args.size(); j += 2) {
    if (j + 1 >= args.size()) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    std::string_view name = args[j], value = args[j + 1];
    if (ArgIs(name, "id")) {
      int64_t id;
      if (!ParseInt64(value, &id) || id <= 0) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return;
      }
    } else if (ArgIs(name, "skipme")) {
      if (ArgIs(value, "yes")) {
        skipme = true;
      } else if (ArgIs(value, "no")) {
        skipme = false;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      continue;
    } else if (ArgIs(name, "type")) {
      if (!ArgIs(value, "normal") && !ArgIs(value, "master") && !ArgIs(value, "replica") &&
          !ArgIs(value, "slave") && !ArgIs(value, "pubsub")) {
        ctx.reply.Error("ERR Unknown client type '" + std::string(value) + "'");
        return;
      }
    } else if (ArgIs(name, "maxage")) {
      int64_t age;
      if (!ParseIntArg(value, &age, ctx.reply)) return;
    } else if (!ArgIs(name, "addr") && !ArgIs(name, "laddr") && !ArgIs(name, "user")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    filters.emplace_back(name, value);
  }
  int64_t now = SystemClock::Get()->NowMs();
  int64_t killed = 0;
  for (const auto& c : clients) {
    ClientInfo& info = c->info();
    if (skipme && info.id == ctx.client.id) continue;
    bool match = true;
    for (const auto& [name, value] : filters) {
      if (ArgIs(name, "id")) {
        match &= Int64ToString(static_cast<int64_t>(info.id)) == value;
      } else if (ArgIs(name, "addr")) {
        match &= info.addr == value;
      } else if (ArgIs(name, "laddr")) {
        match &= info.laddr == value;
      } else if (ArgIs(name, "user")) {
        match &= value == "default";
      } else if (ArgIs(name, "type")) {
        match &= ArgIs(value, "normal");
      } else if (ArgIs(name, "maxage")) {
        int64_t age = 0;
        ParseInt64(value, &age);
        match &= (now - info.created_ms) / 1000 >= age;
      }
    }
    if (!match) continue;
    if (info.id == ctx.client.id) {
      ctx.client.close_after_reply = true;
    } else {
      c->RequestClose();
    }
    ++killed;
  }
  ctx.reply.Integer(killed);
}

void CmdClientHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
      "LIST [options ...]",
      "    Return information about client connections. Options: TYPE, ID.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

}  // namespace

void RegisterClientFamily(CommandRegistry& r) {
  const char* g = "connection";
  const uint32_t kF = kCmdNoScript | kCmdLoading | kCmdStale;
  const char* acl = "@slow @connection";
  r.Add(MakeContainer(
      g, "client", "A container for client connection commands", "2.4.0",
      {MakeCommand(g, "id", 2, kF, 0, 0, 0, acl, "Returns the client ID for the current connection",
                   "5.0.0", "O(1)", CmdClientId),
       MakeCommand(g, "setname", 3, kF, 0, 0, 0, acl, "Set the current connection name", "2.6.9",
                   "O(1)", CmdClientSetName),
       MakeCommand(g, "getname", 2, kF, 0, 0, 0, acl, "Get the current connection name", "2.6.9",
                   "O(1)", CmdClientGetName),
       MakeCommand(g, "info", 2, kF, 0, 0, 0, acl,
                   "Returns information about the current client connection.", "6.2.0", "O(1)",
                   CmdClientInfo),
       MakeCommand(g, "list", -2, kF | kCmdAdmin, 0, 0, 0, "@admin @slow @dangerous @connection",
                   "Get the list of client connections", "2.4.0", "O(N)", CmdClientList),
       MakeCommand(g, "kill", -3, kF | kCmdAdmin, 0, 0, 0, "@admin @slow @dangerous @connection",
                   "Kill the connection of a client", "2.4.0", "O(N)", CmdClientKill),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, acl,
                   "Show helpful text about the different subcommands", "5.0.0", "O(1)",
                   CmdClientHelp)}));
}

}  // namespace cachet
