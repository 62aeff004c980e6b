// Server counters as data: ServerSnapshot gathers what INFO reports (keys, hits, memory,
// connections, latency, sessions) in one place so the stats route, the metrics route, the
// Prometheus exporter, the alert monitor and the dashboard all read the same numbers.
//
// Thread-safety: TakeSnapshot may run on any thread (every source is thread-safe).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/namespace_report.h"
#include "commands/server_context.h"
#include "core/latency_histogram.h"
#include "engine/session_store.h"

namespace cachet {

struct HttpServerStats;

struct CommandSnapshot {
  std::string name;
  uint64_t calls = 0, usec = 0, failed = 0, rejected = 0;
  LatencyHistogram::Counts latency;
};

struct ServerSnapshot {
  int64_t uptime_seconds = 0;
  uint64_t total_commands = 0;
  int64_t ops_per_sec = 0;
  uint64_t keyspace_hits = 0, keyspace_misses = 0;
  uint64_t expired_keys = 0, evicted_keys = 0;
  int64_t used_memory = 0, maxmemory = 0, peak_memory = 0, dataset_bytes = 0;
  struct Db {
    int db;
    uint64_t keys, expires;
  };
  std::vector<Db> databases;  // non-empty ones
  uint64_t keys = 0, expires = 0;
  uint64_t connected_clients = 0, blocked_clients = 0;
  uint64_t connections_received = 0, rejected_connections = 0;
  uint64_t net_input_bytes = 0, net_output_bytes = 0;
  uint64_t error_replies = 0;
  uint64_t slowlog_length = 0;
  LatencyHistogram::Counts latency;       // every command
  std::vector<CommandSnapshot> commands;  // commands with calls, most called first
  SessionStats sessions;
  std::vector<NamespaceReport> namespaces;
};

ServerSnapshot TakeSnapshot(ServerContext& server);

// The hit rate, or null before the first read.
nlohmann::json HitRate(uint64_t hits, uint64_t misses);
// {"p50", "p90", "p99", "p999"} in microseconds.
nlohmann::json LatencyJson(const LatencyHistogram::Counts& c);
// GET /api/cache/stats (docs/http.md).
nlohmann::json StatsJson(ServerContext& server, const ServerSnapshot& s,
                         const HttpServerStats* http, const nlohmann::json& alerts);

}  // namespace cachet
