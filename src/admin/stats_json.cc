// Snapshot gathering and its JSON form.
#include "admin/stats_json.h"

#include <algorithm>

#include "base/clock.h"
#include "commands/blocking_registry.h"
#include "commands/client_registry.h"
#include "commands/command_stats.h"
#include "commands/registry.h"
#include "commands/slowlog.h"
#include "engine/engine.h"
#include "http/http_server.h"

namespace cachet {

ServerSnapshot TakeSnapshot(ServerContext& server) {
  ServerSnapshot s;
  Engine& e = *server.engine;
  s.uptime_seconds = (SystemClock::Get()->NowMs() - server.start_time_ms) / 1000;
  ServerTotals t = CommandStats::Totals();
  EngineTotals et = e.Totals();
  s.total_commands = t.commands_processed;
  s.error_replies = t.error_replies;
  s.ops_per_sec = server.instantaneous_ops_per_sec.load();
  s.keyspace_hits = et.keyspace_hits;
  s.keyspace_misses = et.keyspace_misses;
  s.expired_keys = et.expired_keys;
  s.evicted_keys = et.evicted_keys;
  e.RefreshMemory();
  s.used_memory = e.UsedMemory();
  s.maxmemory = e.maxmemory();
  s.peak_memory = std::max(server.peak_memory.load(), s.used_memory);
  s.dataset_bytes = e.DatasetBytes();
  for (int db = 0; db < e.databases(); ++db) {
    DbKeyspaceInfo k = e.KeyspaceInfo(db);
    if (k.keys == 0) continue;
    s.databases.push_back({db, k.keys, k.expires});
    s.keys += k.keys;
    s.expires += k.expires;
  }
  s.connected_clients = server.clients->size();
  s.blocked_clients = server.blocking ? server.blocking->size() : 0;
  s.connections_received = server.connections.total_connections_received.load();
  s.rejected_connections = server.connections.rejected_connections.load();
  s.net_input_bytes = server.connections.net_input_bytes.load();
  s.net_output_bytes = server.connections.net_output_bytes.load();
  s.slowlog_length = server.slowlog->size();
  for (const CommandSpec* spec : server.commands->ById()) {
    const CommandCounters& c = t.commands[spec->id];
    if (c.calls == 0 && c.rejected == 0 && c.failed == 0) continue;
    CommandSnapshot cs;
    cs.name = spec->full_name;
    cs.calls = c.calls;
    cs.usec = c.usec;
    cs.failed = c.failed;
    cs.rejected = c.rejected;
    cs.latency = CommandStats::Latency(spec->id);
    s.latency.Add(cs.latency);
    s.commands.push_back(std::move(cs));
  }
  std::sort(s.commands.begin(), s.commands.end(),
            [](const CommandSnapshot& a, const CommandSnapshot& b) { return a.calls > b.calls; });
  s.sessions = e.sessions().Stats();
  s.namespaces = NamespaceReports(e);
  return s;
}

nlohmann::json HitRate(uint64_t hits, uint64_t misses) {
  if (hits + misses == 0) return nullptr;
  return static_cast<double>(hits) / static_cast<double>(hits + misses);
}

nlohmann::json LatencyJson(const LatencyHistogram::Counts& c) {
  auto us = [&](double q) { return c.Quantile(q) / 1000.0; };
  return {{"p50", us(0.5)}, {"p90", us(0.9)}, {"p99", us(0.99)}, {"p999", us(0.999)}};
}

nlohmann::json StatsJson(ServerContext& server, const ServerSnapshot& s,
                         const HttpServerStats* http, const nlohmann::json& alerts) {
  nlohmann::json dbs = nlohmann::json::array();
  for (const auto& d : s.databases) {
    dbs.push_back({{"db", d.db}, {"keys", d.keys}, {"expires", d.expires}});
  }
  nlohmann::json commands = nlohmann::json::array();
  for (const CommandSnapshot& c : s.commands) {
    nlohmann::json row = LatencyJson(c.latency);
    row["name"] = c.name;
    row["calls"] = c.calls;
    row["usec"] = c.usec;
    row["failed"] = c.failed;
    row["rejected"] = c.rejected;
    commands.push_back(std::move(row));
  }
  nlohmann::json namespaces = nlohmann::json::array();
  for (const NamespaceReport& n : s.namespaces) {
    const NamespaceCounters& c = n.counters;
    namespaces.push_back({{"name", n.spec.name},
                          {"prefix", n.spec.prefix},
                          {"keys", c.keys},
                          {"memory_bytes", c.memory},
                          {"hits", c.hits},
                          {"misses", c.misses},
                          {"hit_rate", HitRate(c.hits, c.misses)},
                          {"expired", c.expired},
                          {"evicted", c.evicted},
                          {"compressed_keys", c.compression.keys},
                          {"compressed_bytes", c.compression.stored_bytes},
                          {"uncompressed_bytes", c.compression.original_bytes},
                          {"calls", n.latency.total},
                          {"latency_us", LatencyJson(n.latency)},
                          {"ttl", n.spec.ttl_ms / 1000}});
  }
  nlohmann::json sessions = nlohmann::json::object();
  for (const auto& [name, value] : SessionStatFields(s.sessions)) sessions[name] = value;
  return {
      {"server",
       {{"version", "0.1.0"},
        {"redis_version", "7.0.15"},
        {"uptime_seconds", s.uptime_seconds},
        {"threads", server.threads},
        {"tcp_port", server.tcp_port},
        {"http_port", server.http_port}}},
      {"ops",
       {{"total_commands", s.total_commands},
        {"ops_per_sec", s.ops_per_sec},
        {"keyspace_hits", s.keyspace_hits},
        {"keyspace_misses", s.keyspace_misses},
        {"hit_rate", HitRate(s.keyspace_hits, s.keyspace_misses)},
        {"error_replies", s.error_replies}}},
      {"latency_us", LatencyJson(s.latency)},
      {"memory",
       {{"used_memory", s.used_memory},
        {"maxmemory", s.maxmemory},
        {"peak_memory", s.peak_memory},
        {"dataset_bytes", s.dataset_bytes}}},
      {"keys",
       {{"total", s.keys},
        {"expires", s.expires},
        {"expired", s.expired_keys},
        {"evicted", s.evicted_keys},
        {"databases", dbs}}},
      {"connections",
       {{"connected_clients", s.connected_clients},
        {"blocked_clients", s.blocked_clients},
        {"total_connections_received", s.connections_received},
        {"rejected_connections", s.rejected_connections},
        {"http_connections", http ? http->connections.load() : 0}}},
      {"network", {{"input_bytes", s.net_input_bytes}, {"output_bytes", s.net_output_bytes}}},
      {"commands", commands},
      {"sessions", sessions},
      {"namespaces", namespaces},
      {"alerts", alerts},
      {"slowlog",
       {{"length", s.slowlog_length}, {"threshold_us", server.slowlog_threshold_us.load()}}},
  };
}

}  // namespace cachet
