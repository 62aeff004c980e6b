// Namespace commands (docs/namespaces.md): NAMESPACE.SET, DEL, LIST and STATS.
#include <string>

#include "commands/command_stats.h"
#include "commands/errors.h"
#include "commands/namespace_config.h"
#include "commands/namespace_report.h"
#include "commands/registry.h"
#include "commands/reply_util.h"
#include "engine/engine.h"

namespace cachet {
namespace {

void ReplySpec(ReplyBuilder& reply, const NamespaceSpec& s) {
  reply.MapHeader(7);
  reply.Bulk("name");
  reply.Bulk(s.name);
  reply.Bulk("prefix");
  reply.Bulk(s.prefix);
  reply.Bulk("ttl");
  reply.Integer(s.ttl_ms / 1000);
  reply.Bulk("stale");
  reply.Integer(s.stale_ms / 1000);
  reply.Bulk("beta");
  reply.Double(s.beta);
  reply.Bulk("compress-above");
  reply.Integer(s.compress_above);
  reply.Bulk("compress");
  reply.Bulk(CodecName(s.codec));
}

void ReplyReport(ReplyBuilder& reply, const NamespaceReport& r) {
  const NamespaceCounters& c = r.counters;
  reply.MapHeader(18);
  reply.Bulk("name");
  reply.Bulk(r.spec.name);
  reply.Bulk("prefix");
  reply.Bulk(r.spec.prefix);
  reply.Bulk("keys");
  reply.Integer(c.keys);
  reply.Bulk("memory_bytes");
  reply.Integer(c.memory);
  reply.Bulk("hits");
  reply.Integer(static_cast<int64_t>(c.hits));
  reply.Bulk("misses");
  reply.Integer(static_cast<int64_t>(c.misses));
  reply.Bulk("hit_rate");
  if (c.hits + c.misses == 0) {
    reply.Null();
  } else {
    reply.Double(static_cast<double>(c.hits) / static_cast<double>(c.hits + c.misses));
  }
  reply.Bulk("expired");
  reply.Integer(static_cast<int64_t>(c.expired));
  reply.Bulk("evicted");
  reply.Integer(static_cast<int64_t>(c.evicted));
  reply.Bulk("compressed_keys");
  reply.Integer(c.compression.keys);
  reply.Bulk("compressed_bytes");
  reply.Integer(c.compression.stored_bytes);
  reply.Bulk("uncompressed_bytes");
  reply.Integer(c.compression.original_bytes);
  reply.Bulk("compression_saved_bytes");
  reply.Integer(c.compression.saved_bytes());
  reply.Bulk("calls");
  reply.Integer(static_cast<int64_t>(r.latency.total));
  for (auto [name, q] : {std::pair{"latency_p50_us", 0.5},
                         {"latency_p90_us", 0.9},
                         {"latency_p99_us", 0.99},
                         {"latency_p999_us", 0.999}}) {
    reply.Bulk(name);
    reply.Double(static_cast<double>(r.latency.Quantile(q)) / 1000.0);
  }
}

// NAMESPACE.SET name PREFIX p [TTL s] [STALE s] [BETA b] [COMPRESS-ABOVE n] [COMPRESS codec]
void CmdSet(CommandContext& ctx, ArgList args) {
  std::vector<std::pair<std::string, std::string>> fields = {{"name", std::string(args[1])}};
  if ((args.size() - 2) % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    if (ArgIs(args[i], "name")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    fields.emplace_back(std::string(args[i]), std::string(args[i + 1]));
  }
  NamespaceSpec spec;
  std::string error;
  bool created = false;
  if (!NamespaceSpecFromFields(fields, &spec, &error) ||
      !ctx.engine().namespaces().Set(spec, &error, &created)) {
    ctx.reply.Error(error);
    return;
  }
  if (created) {
    for (const NamespaceSpec& s : ctx.engine().namespaces().List()) {
      if (s.name == spec.name) CommandStats::ResetNamespace(s.slot);
    }
  }
  ctx.reply.Ok();
}

void CmdDel(CommandContext& ctx, ArgList args) {
  ctx.reply.Integer(ctx.engine().namespaces().Delete(args[1]) ? 1 : 0);
}

void CmdList(CommandContext& ctx, ArgList) {
  std::vector<NamespaceSpec> specs = ctx.engine().namespaces().List();
  ctx.reply.ArrayHeader(specs.size());
  for (const NamespaceSpec& s : specs) ReplySpec(ctx.reply, s);
}

// NAMESPACE.STATS [name]: one map, or an array of every namespace's.
void CmdStats(CommandContext& ctx, ArgList args) {
  std::vector<NamespaceReport> reports = NamespaceReports(ctx.engine());
  if (args.size() == 2) {
    for (const NamespaceReport& r : reports) {
      if (r.spec.name == args[1]) {
        ReplyReport(ctx.reply, r);
        return;
      }
    }
    ctx.reply.Null();
    return;
  }
  if (args.size() > 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.ArrayHeader(reports.size());
  for (const NamespaceReport& r : reports) ReplyReport(ctx.reply, r);
}

}  // namespace

void RegisterNamespaceFamily(CommandRegistry& r) {
  const char* g = "namespace";
  // SET and DEL take every shard lock in turn to recount: refused inside MULTI, where EXEC
  // already holds them all.
  r.Add(MakeCommand(g, "namespace.set", -4, kCmdAdmin | kCmdNoMulti, 0, 0, 0, "@admin @slow",
                    "Define or change a key namespace (prefix, default TTL, ...)", "0.1.0",
                    "O(N) where N is the number of keys (they are recounted)", CmdSet));
  r.Add(MakeCommand(g, "namespace.del", 2, kCmdAdmin | kCmdNoMulti, 0, 0, 0, "@admin @slow",
                    "Remove a namespace (its keys stay)", "0.1.0",
                    "O(N) where N is the number of keys", CmdDel));
  r.Add(MakeCommand(g, "namespace.list", 1, kCmdReadOnly, 0, 0, 0, "@read @fast",
                    "List the namespaces and their settings", "0.1.0", "O(N)", CmdList));
  r.Add(MakeCommand(g, "namespace.stats", -1, kCmdReadOnly, 0, 0, 0, "@read",
                    "Per-namespace hits, misses, keys, memory, expirations, evictions, latency",
                    "0.1.0", "O(N) where N is the number of namespaces", CmdStats));
}

}  // namespace cachet
