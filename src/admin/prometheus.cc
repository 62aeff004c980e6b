// Prometheus metric families.
#include "admin/prometheus.h"

#include <cstdio>

#include "admin/alerts.h"
#include "http/http_server.h"

namespace cachet {
namespace {

class Writer {
 public:
  // Starts a metric family.
  void Family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void Sample(const std::string& name_and_labels, double value) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", value);
    out_ += name_and_labels;
    out_ += ' ';
    out_ += buf;
    out_ += '\n';
  }
  void One(const char* name, const char* type, const char* help, double value) {
    Family(name, type, help);
    Sample(name, value);
  }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

}  // namespace

std::string PrometheusLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusText(const ServerSnapshot& s, const HttpServerStats* http,
                           const AlertMonitor* alerts) {
  Writer w;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  w.One("redis_up", "gauge", "Whether the server is up.", 1);
  w.One("redis_uptime_in_seconds", "gauge", "Seconds since the server started.",
        static_cast<double>(s.uptime_seconds));
  w.One("redis_connected_clients", "gauge", "Connected RESP clients.", d(s.connected_clients));
  w.One("redis_blocked_clients", "gauge", "Clients in a blocking command.", d(s.blocked_clients));
  w.One("redis_memory_used_bytes", "gauge", "Memory used (INFO used_memory).",
        static_cast<double>(s.used_memory));
  w.One("redis_memory_max_bytes", "gauge", "maxmemory (0: no limit).",
        static_cast<double>(s.maxmemory));
  w.One("redis_commands_processed_total", "counter", "Commands processed.", d(s.total_commands));
  w.One("redis_keyspace_hits_total", "counter", "Successful key lookups.", d(s.keyspace_hits));
  w.One("redis_keyspace_misses_total", "counter", "Failed key lookups.", d(s.keyspace_misses));
  w.One("redis_expired_keys_total", "counter", "Keys removed by expiry.", d(s.expired_keys));
  w.One("redis_evicted_keys_total", "counter", "Keys removed under maxmemory.", d(s.evicted_keys));
  w.One("redis_connections_received_total", "counter", "Connections accepted.",
        d(s.connections_received));
  w.One("redis_rejected_connections_total", "counter", "Connections refused (maxclients).",
        d(s.rejected_connections));
  w.One("redis_net_input_bytes_total", "counter", "Bytes read from clients.", d(s.net_input_bytes));
  w.One("redis_net_output_bytes_total", "counter", "Bytes written to clients.",
        d(s.net_output_bytes));
  w.One("redis_slowlog_length", "gauge", "Entries in the slow log.", d(s.slowlog_length));
  w.Family("redis_db_keys", "gauge", "Keys per database.");
  for (const auto& db : s.databases) {
    w.Sample("redis_db_keys{db=\"db" + std::to_string(db.db) + "\"}", d(db.keys));
  }
  w.Family("redis_db_keys_expiring", "gauge", "Keys with a TTL per database.");
  for (const auto& db : s.databases) {
    w.Sample("redis_db_keys_expiring{db=\"db" + std::to_string(db.db) + "\"}", d(db.expires));
  }
  w.Family("redis_commands_total", "counter", "Calls per command.");
  for (const CommandSnapshot& c : s.commands) {
    w.Sample("redis_commands_total{cmd=\"" + PrometheusLabel(c.name) + "\"}", d(c.calls));
  }
  w.Family("redis_commands_duration_seconds_total", "counter", "Time spent per command.");
  for (const CommandSnapshot& c : s.commands) {
    w.Sample("redis_commands_duration_seconds_total{cmd=\"" + PrometheusLabel(c.name) + "\"}",
             static_cast<double>(c.usec) / 1e6);
  }
  w.Family("cachet_command_latency_seconds", "summary", "Command latency percentiles.");
  for (const CommandSnapshot& c : s.commands) {
    std::string label = "cmd=\"" + PrometheusLabel(c.name) + "\"";
    for (auto [q, text] : {std::pair{0.5, "0.5"}, {0.9, "0.9"}, {0.99, "0.99"}, {0.999, "0.999"}}) {
      w.Sample("cachet_command_latency_seconds{" + label + ",quantile=\"" + text + "\"}",
               static_cast<double>(c.latency.Quantile(q)) / 1e9);
    }
    w.Sample("cachet_command_latency_seconds_sum{" + label + "}",
             static_cast<double>(c.usec) / 1e6);
    w.Sample("cachet_command_latency_seconds_count{" + label + "}", d(c.calls));
  }
  struct NsMetric {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const NamespaceCounters&);
  };
  const NsMetric ns_metrics[] = {
      {"cachet_namespace_keys", "gauge", "Keys per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.keys); }},
      {"cachet_namespace_memory_bytes", "gauge", "Bytes of the keys per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.memory); }},
      {"cachet_namespace_hits_total", "counter", "Successful lookups per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.hits); }},
      {"cachet_namespace_misses_total", "counter", "Failed lookups per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.misses); }},
      {"cachet_namespace_expired_keys_total", "counter", "Keys expired per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.expired); }},
      {"cachet_namespace_evicted_keys_total", "counter", "Keys evicted per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.evicted); }},
      {"cachet_namespace_compression_saved_bytes", "gauge",
       "Bytes compression saves per namespace.",
       [](const NamespaceCounters& c) { return static_cast<double>(c.compression.saved_bytes()); }},
  };
  for (const NsMetric& m : ns_metrics) {
    if (s.namespaces.empty()) break;  // no families without samples
    w.Family(m.name, m.type, m.help);
    for (const NamespaceReport& n : s.namespaces) {
      w.Sample(std::string(m.name) + "{namespace=\"" + PrometheusLabel(n.spec.name) + "\"}",
               m.value(n.counters));
    }
  }
  w.One("cachet_sessions", "gauge", "Live sessions.", d(s.sessions.sessions));
  w.One("cachet_session_users", "gauge", "Users with a live session.", d(s.sessions.users));
  w.One("cachet_session_memory_bytes", "gauge", "Memory held by sessions.",
        static_cast<double>(s.sessions.memory_bytes));
  w.Family("cachet_session_events_total", "counter", "Session events by kind.");
  for (const auto& [name, value] : SessionStatFields(s.sessions)) {
    std::string event = name;
    if (event == "sessions" || event == "users" || event == "memory_bytes") continue;
    w.Sample("cachet_session_events_total{event=\"" + event + "\"}", static_cast<double>(value));
  }
  if (alerts != nullptr) {
    w.Family("cachet_alerts_active", "gauge", "Active alerts by severity.");
    for (AlertSeverity sev : {AlertSeverity::kLow, AlertSeverity::kMedium, AlertSeverity::kHigh,
                              AlertSeverity::kCritical}) {
      w.Sample(std::string("cachet_alerts_active{severity=\"") + AlertSeverityName(sev) + "\"}",
               d(alerts->ActiveCount(sev)));
    }
  }
  if (http != nullptr) {
    w.Family("cachet_http_requests_total", "counter", "HTTP responses by status class.");
    w.Sample("cachet_http_requests_total{code=\"2xx\"}", d(http->responses_2xx.load()));
    w.Sample("cachet_http_requests_total{code=\"4xx\"}", d(http->responses_4xx.load()));
    w.Sample("cachet_http_requests_total{code=\"5xx\"}", d(http->responses_5xx.load()));
  }
  return std::move(w.text());
}

}  // namespace cachet
