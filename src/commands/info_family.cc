// INFO: server, clients, memory, persistence, stats, replication, cpu, keyspace and
// commandstats sections with Redis's field names (plus a few cachet_* fields).
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/clock.h"
#include "commands/blocking_registry.h"
#include "commands/client_registry.h"
#include "commands/command_stats.h"
#include "commands/pubsub_registry.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "commands/warm_service.h"
#include "config/config.h"
#include "engine/allocator_stats.h"
#include "engine/engine.h"
#include "engine/value_compression.h"

namespace cachet {
namespace {

std::string Human(int64_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    snprintf(buf, sizeof(buf), "%lldB", static_cast<long long>(bytes));
  } else {
    snprintf(buf, sizeof(buf), "%.2f%s", v, units[u]);
  }
  return buf;
}

class InfoWriter {
 public:
  void Section(const char* name) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += name;
    out_ += "\r\n";
  }
  void Field(const std::string& name, const std::string& value) {
    out_ += name + ":" + value + "\r\n";
  }
  void Field(const std::string& name, int64_t value) { Field(name, std::to_string(value)); }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

void ServerSection(ServerContext& s, InfoWriter& w) {
  utsname u;
  uname(&u);
  int64_t now_us = SystemClock::Get()->NowUs();
  int64_t uptime = (now_us / 1000 - s.start_time_ms) / 1000;
  w.Section("Server");
  w.Field("redis_version", "7.0.15");
  w.Field("cachet_version", "0.1.0");
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_mode", "standalone");
  w.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.Field("arch_bits", 64);
  w.Field("multiplexing_api", "epoll");
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("run_id", s.run_id);
  w.Field("tcp_port", s.tcp_port);
  w.Field("server_time_usec", now_us);
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", s.config->GetInt("hz"));
  w.Field("executable", s.executable);
  w.Field("config_file", s.config_file);
  w.Field("io_threads_active", 0);
  w.Field("cachet_threads", s.threads);
}

void ClientsSection(ServerContext& s, InfoWriter& w) {
  w.Section("Clients");
  w.Field("connected_clients", static_cast<int64_t>(s.clients->size()));
  w.Field("maxclients", s.config->GetInt("maxclients"));
  w.Field("blocked_clients", static_cast<int64_t>(s.blocking != nullptr ? s.blocking->size() : 0));
  w.Field("tracking_clients", 0);
}

void MemorySection(ServerContext& s, InfoWriter& w) {
  Engine& e = *s.engine;
  e.RefreshMemory();
  AllocatorStats a = ReadAllocatorStats();
  int64_t used = e.UsedMemory();
  int64_t peak = s.peak_memory.load();
  if (used > peak) {
    s.peak_memory.store(used);
    peak = used;
  }
  int64_t rss = ProcessRssBytes();
  w.Section("Memory");
  w.Field("used_memory", used);
  w.Field("used_memory_human", Human(used));
  w.Field("used_memory_rss", rss);
  w.Field("used_memory_rss_human", Human(rss));
  w.Field("used_memory_peak", peak);
  w.Field("used_memory_peak_human", Human(peak));
  w.Field("used_memory_dataset", e.DatasetBytes());
  w.Field("allocator_allocated", a.allocated);
  w.Field("allocator_resident", a.resident);
  char ratio[32];
  snprintf(ratio, sizeof(ratio), "%.2f", used > 0 ? static_cast<double>(rss) / used : 0.0);
  w.Field("mem_fragmentation_ratio", ratio);
  w.Field("maxmemory", e.maxmemory());
  w.Field("maxmemory_human", Human(e.maxmemory()));
  w.Field("maxmemory_policy", EvictionPolicyName(e.policy()));
  w.Field("mem_allocator", a.name);
  w.Field("lazyfree_pending_objects", static_cast<int64_t>(e.lazyfree_pending()));
}

// Values stored compressed by their namespaces (docs/compression.md).
void CompressionSection(ServerContext& s, InfoWriter& w) {
  CompressionCounters c = CompressionTotals(*s.engine);
  w.Section("Compression");
  w.Field("compressed_keys", c.keys);
  w.Field("compressed_bytes", c.stored_bytes);
  w.Field("uncompressed_bytes", c.original_bytes);
  w.Field("compression_saved_bytes", c.saved_bytes());
  char ratio[32];
  snprintf(ratio, sizeof(ratio), "%.2f",
           c.stored_bytes > 0 ? static_cast<double>(c.original_bytes) / c.stored_bytes : 1.0);
  w.Field("compression_ratio", ratio);
}

void PersistenceSection(ServerContext& s, InfoWriter& w) {
  w.Section("Persistence");
  if (s.persistence != nullptr) {
    w.text() += s.persistence->InfoFields();
  } else {
    w.Field("loading", 0);
    w.Field("aof_enabled", 0);
  }
}

void StatsSection(ServerContext& s, InfoWriter& w) {
  ServerTotals t = CommandStats::Totals();
  EngineTotals e = s.engine->Totals();
  w.Section("Stats");
  w.Field("total_connections_received",
          static_cast<int64_t>(s.connections.total_connections_received.load()));
  w.Field("total_commands_processed", static_cast<int64_t>(t.commands_processed));
  w.Field("instantaneous_ops_per_sec", s.instantaneous_ops_per_sec.load());
  w.Field("total_net_input_bytes", static_cast<int64_t>(s.connections.net_input_bytes.load()));
  w.Field("total_net_output_bytes", static_cast<int64_t>(s.connections.net_output_bytes.load()));
  w.Field("rejected_connections", static_cast<int64_t>(s.connections.rejected_connections.load()));
  w.Field("expired_keys", static_cast<int64_t>(e.expired_keys));
  w.Field("expired_stale_perc", "0.00");
  w.Field("evicted_keys", static_cast<int64_t>(e.evicted_keys));
  w.Field("keyspace_hits", static_cast<int64_t>(e.keyspace_hits));
  w.Field("keyspace_misses", static_cast<int64_t>(e.keyspace_misses));
  w.Field("pubsub_channels", static_cast<int64_t>(s.pubsub ? s.pubsub->channel_count() : 0));
  w.Field("pubsub_patterns", static_cast<int64_t>(s.pubsub ? s.pubsub->pattern_count() : 0));
  w.Field("total_error_replies", static_cast<int64_t>(t.error_replies));
  // cachet: expiry lag measured on keys removed by the active cycle (deadline to removal).
  w.Field("cachet_expired_active_keys", static_cast<int64_t>(e.expired_active));
  char avg[32];
  snprintf(avg, sizeof(avg), "%.2f",
           e.expired_active ? static_cast<double>(e.expired_lag_total_ms) / e.expired_active : 0);
  w.Field("cachet_expire_lag_avg_ms", avg);
  w.Field("cachet_expire_lag_max_ms", e.expired_lag_max_ms);
}

void ReplicationSection(InfoWriter& w) {
  w.Section("Replication");
  w.Field("role", "master");
  w.Field("connected_slaves", 0);
}

void CpuSection(InfoWriter& w) {
  rusage self;
  getrusage(RUSAGE_SELF, &self);
  char buf[32];
  w.Section("CPU");
  snprintf(buf, sizeof(buf), "%ld.%06ld", self.ru_stime.tv_sec, self.ru_stime.tv_usec);
  w.Field("used_cpu_sys", buf);
  snprintf(buf, sizeof(buf), "%ld.%06ld", self.ru_utime.tv_sec, self.ru_utime.tv_usec);
  w.Field("used_cpu_user", buf);
}

void KeyspaceSection(ServerContext& s, InfoWriter& w) {
  w.Section("Keyspace");
  for (int db = 0; db < s.engine->databases(); ++db) {
    DbKeyspaceInfo k = s.engine->KeyspaceInfo(db);
    if (k.keys == 0) continue;
    w.Field("db" + std::to_string(db), "keys=" + std::to_string(k.keys) +
                                           ",expires=" + std::to_string(k.expires) +
                                           ",avg_ttl=" + std::to_string(k.avg_ttl_ms));
  }
}

void SessionsSection(ServerContext& s, InfoWriter& w) {
  w.Section("Sessions");
  for (const auto& [name, value] : SessionStatFields(s.engine->sessions().Stats())) {
    w.Field(std::string("session_") + name, value);
  }
}

void LeasesSection(ServerContext& s, InfoWriter& w) {
  w.Section("Leases");
  for (const auto& [name, value] : LeaseStatFields(s.engine->leases().Stats())) {
    w.Field(name, value);
  }
}

void CommandStatsSection(ServerContext& s, InfoWriter& w) {
  ServerTotals t = CommandStats::Totals();
  w.Section("Commandstats");
  for (const CommandSpec* spec : s.commands->ById()) {
    const CommandCounters& c = t.commands[spec->id];
    if (c.calls == 0 && c.rejected == 0 && c.failed == 0) continue;
    char per_call[32];
    snprintf(per_call, sizeof(per_call), "%.2f",
             c.calls ? static_cast<double>(c.usec) / c.calls : 0.0);
    w.Field("cmdstat_" + spec->full_name,
            "calls=" + std::to_string(c.calls) + ",usec=" + std::to_string(c.usec) +
                ",usec_per_call=" + per_call + ",rejected_calls=" + std::to_string(c.rejected) +
                ",failed_calls=" + std::to_string(c.failed));
  }
}

// Redis 7.0's latencystats: per-command percentiles in microseconds with three decimals.
void LatencyStatsSection(ServerContext& s, InfoWriter& w) {
  w.Section("Latencystats");
  for (const CommandSpec* spec : s.commands->ById()) {
    LatencyHistogram::Counts c = CommandStats::Latency(spec->id);
    if (c.total == 0) continue;
    char buf[160];
    snprintf(buf, sizeof(buf), "p50=%.3f,p99=%.3f,p99.9=%.3f", c.Quantile(0.5) / 1000.0,
             c.Quantile(0.99) / 1000.0, c.Quantile(0.999) / 1000.0);
    w.Field("latency_percentiles_usec_" + spec->full_name, buf);
  }
}

void AlertsSection(ServerContext& s, InfoWriter& w) {
  w.Section("Alerts");
  if (s.alerts_info) w.text() += s.alerts_info();
}

void WarmingSection(ServerContext& s, InfoWriter& w) {
  w.Section("Warming");
  if (s.warm == nullptr) return;
  WarmProgress p = s.warm->Progress();
  WarmSaveInfo save = s.warm->LastSave();
  w.Field("warm_state", WarmStateName(p.state));
  w.Field("warm_file", p.file);
  for (auto [name, value] : {std::pair{"warm_keys_total", p.total},
                             {"warm_loaded", p.loaded},
                             {"warm_skipped_existing", p.skipped_existing},
                             {"warm_skipped_expired", p.skipped_expired},
                             {"warm_failed", p.failed}}) {
    w.Field(name, static_cast<int64_t>(value));
  }
  w.Field("warm_elapsed_ms", p.elapsed_ms);
  w.Field("warm_last_save_keys", static_cast<int64_t>(save.keys));
  w.Field("warm_last_save_bytes", static_cast<int64_t>(save.bytes));
  w.Field("warm_last_save_ms", save.duration_ms);
  w.Field("warm_last_save_time", save.time_s);
}

void CmdInfo(CommandContext& ctx, ArgList args) {
  std::vector<std::string> wanted;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string s(args[i]);
    for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    wanted.push_back(s);
  }
  bool everything = false, defaults = wanted.empty();
  for (const std::string& s : wanted) {
    if (s == "all" || s == "everything") everything = true;
    if (s == "default") defaults = true;
  }
  auto want = [&](const char* name, bool in_default) {
    if (everything || (defaults && in_default)) return true;
    for (const std::string& s : wanted)
      if (s == name) return true;
    return false;
  };
  ServerContext& s = ctx.server;
  InfoWriter w;
  if (want("server", true)) ServerSection(s, w);
  if (want("clients", true)) ClientsSection(s, w);
  if (want("memory", true)) MemorySection(s, w);
  if (want("compression", true)) CompressionSection(s, w);
  if (want("persistence", true)) PersistenceSection(s, w);
  if (want("stats", true)) StatsSection(s, w);
  if (want("replication", true)) ReplicationSection(w);
  if (want("cpu", true)) CpuSection(w);
  if (want("sessions", true)) SessionsSection(s, w);
  if (want("leases", true)) LeasesSection(s, w);
  if (want("alerts", true)) AlertsSection(s, w);
  if (want("warming", true)) WarmingSection(s, w);
  if (want("commandstats", false)) CommandStatsSection(s, w);
  if (want("latencystats", false)) LatencyStatsSection(s, w);
  if (want("keyspace", true)) KeyspaceSection(s, w);
  ctx.reply.Verbatim(w.text());
}

}  // namespace

void RegisterInfoFamily(CommandRegistry& r) {
  r.Add(MakeCommand("server", "info", -1, kCmdLoading | kCmdStale, 0, 0, 0, "@slow @dangerous",
                    "Get information and statistics about the server", "1.0.0", "O(1)", CmdInfo));
}

}  // namespace cachet
