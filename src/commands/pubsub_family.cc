// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH and PUBSUB CHANNELS /
// NUMSUB / NUMPAT / HELP, with Redis 7.0's replies (pushes in RESP3).
#include "commands/pubsub_family.h"

#include <algorithm>
#include <string>
#include <vector>

#include "commands/client_registry.h"
#include "commands/pubsub_registry.h"
#include "commands/registry.h"

namespace cachet {
namespace {

int64_t SubscriptionCount(const ClientState& c) {
  return static_cast<int64_t>(c.channels.size() + c.patterns.size());
}

// Publishes the client's subscription counts for CLIENT LIST and updates subscribed mode.
void SyncCounts(ClientState& c, bool subscribing) {
  if (subscribing) c.pubsub = true;
  if (SubscriptionCount(c) == 0) c.pubsub = false;
  if (c.info == nullptr) return;
  c.info->sub.store(static_cast<int>(c.channels.size()), std::memory_order_relaxed);
  c.info->psub.store(static_cast<int>(c.patterns.size()), std::memory_order_relaxed);
  c.info->pubsub.store(c.pubsub, std::memory_order_relaxed);
}

// ["subscribe", channel, count] and friends; a null channel when there is none.
void ReplyFrame(CommandContext& ctx, std::string_view kind, const std::string* name) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(kind);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(SubscriptionCount(ctx.client));
}

void CmdSubscribe(CommandContext& ctx, ArgList args) {
  std::shared_ptr<ClientHandle> self = ctx.server.clients->Find(ctx.client.id);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string channel(args[i]);
    if (self != nullptr && ctx.client.channels.insert(channel).second) {
      ctx.server.pubsub->Subscribe(channel, self);
    }
    SyncCounts(ctx.client, true);
    ReplyFrame(ctx, "subscribe", &channel);
  }
}

void CmdPSubscribe(CommandContext& ctx, ArgList args) {
  std::shared_ptr<ClientHandle> self = ctx.server.clients->Find(ctx.client.id);
  std::vector<std::string>& patterns = ctx.client.patterns;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string pattern(args[i]);
    if (self != nullptr && std::find(patterns.begin(), patterns.end(), pattern) == patterns.end()) {
      patterns.push_back(pattern);
      ctx.server.pubsub->PSubscribe(pattern, self);
    }
    SyncCounts(ctx.client, true);
    ReplyFrame(ctx, "psubscribe", &pattern);
  }
}

void UnsubscribeChannel(CommandContext& ctx, const std::string& channel, bool reply) {
  if (ctx.client.channels.erase(channel) > 0) {
    ctx.server.pubsub->Unsubscribe(channel, ctx.client.id);
  }
  SyncCounts(ctx.client, false);
  if (reply) ReplyFrame(ctx, "unsubscribe", &channel);
}

void UnsubscribePattern(CommandContext& ctx, const std::string& pattern, bool reply) {
  std::vector<std::string>& patterns = ctx.client.patterns;
  auto it = std::find(patterns.begin(), patterns.end(), pattern);
  if (it != patterns.end()) {
    patterns.erase(it);
    ctx.server.pubsub->PUnsubscribe(pattern, ctx.client.id);
  }
  SyncCounts(ctx.client, false);
  if (reply) ReplyFrame(ctx, "punsubscribe", &pattern);
}

using DropOne = void (*)(CommandContext& ctx, const std::string& name, bool reply);

// UNSUBSCRIBE / PUNSUBSCRIBE: the named subscriptions, else every one the client has (copied
// first, as dropping changes them), else one frame with a null name.
template <typename Names>
void UnsubscribeGeneric(CommandContext& ctx, ArgList args, const Names& current, DropOne drop,
                        std::string_view kind) {
  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) drop(ctx, std::string(args[i]), true);
    return;
  }
  if (current.empty()) {
    SyncCounts(ctx.client, false);
    ReplyFrame(ctx, kind, nullptr);
    return;
  }
  std::vector<std::string> all(current.begin(), current.end());
  for (const std::string& name : all) drop(ctx, name, true);
}

void CmdUnsubscribe(CommandContext& ctx, ArgList args) {
  UnsubscribeGeneric(ctx, args, ctx.client.channels, UnsubscribeChannel, "unsubscribe");
}

void CmdPUnsubscribe(CommandContext& ctx, ArgList args) {
  UnsubscribeGeneric(ctx, args, ctx.client.patterns, UnsubscribePattern, "punsubscribe");
}

void CmdPublish(CommandContext& ctx, ArgList args) {
  ctx.reply.Integer(ctx.server.pubsub->Publish(args[1], args[2]));
}

void CmdPubSubChannels(CommandContext& ctx, ArgList args) {
  if (args.size() > 3) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(args[1].substr(0, 128)) + "'. Try PUBSUB HELP.");
    return;
  }
  std::vector<std::string> channels =
      ctx.server.pubsub->Channels(args.size() == 3 ? args[2] : std::string_view());
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& c : channels) ctx.reply.Bulk(c);
}

void CmdPubSubNumSub(CommandContext& ctx, ArgList args) {
  ctx.reply.ArrayHeader((args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply.Bulk(args[i]);
    ctx.reply.Integer(ctx.server.pubsub->NumSub(args[i]));
  }
}

void CmdPubSubNumPat(CommandContext& ctx, ArgList) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub->pattern_count()));
}

void CmdPubSubHelp(CommandContext& ctx, ArgList) {
  const char* lines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(lines));
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

}  // namespace

void DropSubscriptions(ServerContext& server, ClientState& client) {
  if (server.pubsub != nullptr) {
    for (const std::string& channel : client.channels) {
      server.pubsub->Unsubscribe(channel, client.id);
    }
    for (const std::string& pattern : client.patterns) {
      server.pubsub->PUnsubscribe(pattern, client.id);
    }
  }
  client.channels.clear();
  client.patterns.clear();
  SyncCounts(client, false);
}

bool AllowedInSubscribedMode(const CommandSpec& command) {
  static const char* const kAllowed[] = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                                         "ping",      "quit",        "reset"};
  for (const char* name : kAllowed) {
    if (command.full_name == name) return true;
  }
  return false;
}

void RegisterPubSubFamily(CommandRegistry& r) {
  const char* g = "pubsub";
  const uint32_t kF = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  r.Add(MakeCommand(g, "subscribe", -2, kF, 0, 0, 0, "@pubsub @slow",
                    "Listen for messages published to the given channels", "2.0.0",
                    "O(N) where N is the number of channels to subscribe to.", CmdSubscribe));
  r.Add(MakeCommand(g, "unsubscribe", -1, kF, 0, 0, 0, "@pubsub @slow",
                    "Stop listening for messages posted to the given channels", "2.0.0",
                    "O(N) where N is the number of clients already subscribed to a channel.",
                    CmdUnsubscribe));
  r.Add(MakeCommand(g, "psubscribe", -2, kF, 0, 0, 0, "@pubsub @slow",
                    "Listen for messages published to channels matching the given patterns",
                    "2.0.0",
                    "O(N) where N is the number of patterns the client is already "
                    "subscribed to.",
                    CmdPSubscribe));
  r.Add(MakeCommand(g, "punsubscribe", -1, kF, 0, 0, 0, "@pubsub @slow",
                    "Stop listening for messages posted to channels matching the given patterns",
                    "2.0.0",
                    "O(N+M) where N is the number of patterns the client is already subscribed "
                    "and M is the number of total patterns subscribed in the system (by any "
                    "client).",
                    CmdPUnsubscribe));
  r.Add(MakeCommand(g, "publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0,
                    "@pubsub @fast", "Post a message to a channel", "2.0.0",
                    "O(N+M) where N is the number of clients subscribed to the receiving channel "
                    "and M is the total number of subscribed patterns (by any client).",
                    CmdPublish));
  const uint32_t kSub = kCmdPubSub | kCmdLoading | kCmdStale;
  r.Add(MakeContainer(
      g, "pubsub", "A container for Pub/Sub commands", "2.8.0",
      {MakeCommand(g, "channels", -2, kSub, 0, 0, 0, "@pubsub @slow", "List active channels",
                   "2.8.0",
                   "O(N) where N is the number of active channels, and assuming constant time "
                   "pattern matching (relatively short channels and patterns)",
                   CmdPubSubChannels),
       MakeCommand(g, "numsub", -2, kSub, 0, 0, 0, "@pubsub @slow",
                   "Get the count of subscribers for channels", "2.8.0",
                   "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                   CmdPubSubNumSub),
       MakeCommand(g, "numpat", 2, kSub, 0, 0, 0, "@pubsub @slow",
                   "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)",
                   CmdPubSubNumPat),
       MakeCommand(g, "help", 2, kCmdLoading | kCmdStale, 0, 0, 0, "@slow",
                   "Show helpful text about the different subcommands", "6.2.0", "O(1)",
                   CmdPubSubHelp)}));
}

}  // namespace cachet
