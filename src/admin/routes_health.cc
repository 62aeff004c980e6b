// Read-only operational routes: /health, /health/live, /health/ready, /api/cache/stats,
// /api/cache/metrics (and its reset), /api/cache/alerts, /metrics.
#include "admin/admin_api.h"
#include "admin/alerts.h"
#include "admin/prometheus.h"
#include "admin/stats_json.h"
#include "commands/command_stats.h"
#include "commands/slowlog.h"
#include "engine/engine.h"

namespace cachet {
namespace {

using json = nlohmann::json;

// The health checks; reasons lists what fails (empty: healthy).
json HealthChecks(RouteContext& ctx, const ServerSnapshot& s, std::vector<std::string>* reasons) {
  json checks = json::object();
  std::string refused;
  bool writes_ok =
      ctx.server.persistence == nullptr || !ctx.server.persistence->WritesRefused(&refused);
  checks["writes"] = writes_ok ? "ok" : refused;
  if (!writes_ok) reasons->push_back("writes are refused: " + refused);
  bool loading = ctx.server.engine->loading();
  checks["loading"] = loading;
  if (loading) reasons->push_back("loading persisted data");
  bool full = s.maxmemory > 0 && s.used_memory >= s.maxmemory &&
              ctx.server.engine->policy() == EvictionPolicy::kNoEviction;
  checks["memory"] = full ? "full under noeviction" : "ok";
  if (full) reasons->push_back("memory is full and maxmemory-policy is noeviction");
  bool critical = ctx.alerts != nullptr && ctx.alerts->AnyActiveAtLeast(AlertSeverity::kCritical);
  checks["alerts"] = critical ? "critical alert active" : "ok";
  if (critical) reasons->push_back("a critical alert is active");
  return checks;
}

HttpResponse Health(RouteContext& ctx) {
  ServerSnapshot s = TakeSnapshot(ctx.server);
  std::vector<std::string> reasons;
  json checks = HealthChecks(ctx, s, &reasons);
  if (reasons.empty()) return JsonResponse(200, {{"status", "healthy"}, {"checks", checks}});
  return JsonResponse(503, {{"status", "unhealthy"}, {"reasons", reasons}, {"checks", checks}});
}

HttpResponse Ready(RouteContext& ctx) {
  std::string refused;
  if (ctx.server.engine->loading()) {
    return JsonResponse(503, {{"status", "loading"}});
  }
  if (ctx.server.persistence != nullptr && ctx.server.persistence->WritesRefused(&refused)) {
    return JsonResponse(503, {{"status", "not ready"}, {"reason", refused}});
  }
  return JsonResponse(200, {{"status", "ready"}});
}

json AlertsSummary(RouteContext& ctx) {
  return ctx.alerts ? ctx.alerts->Summary() : json{{"active", json::array()}, {"history_size", 0}};
}

HttpResponse Stats(RouteContext& ctx) {
  ServerSnapshot s = TakeSnapshot(ctx.server);
  return JsonResponse(200, StatsJson(ctx.server, s, ctx.http_stats, AlertsSummary(ctx)));
}

HttpResponse Metrics(RouteContext& ctx) {
  std::string type = ctx.Query("type", "summary");
  ServerSnapshot s = TakeSnapshot(ctx.server);
  if (type == "summary") {
    return JsonResponse(200,
                        {{"type", "summary"},
                         {"hit_rate", HitRate(s.keyspace_hits, s.keyspace_misses)},
                         {"keyspace_hits", s.keyspace_hits},
                         {"keyspace_misses", s.keyspace_misses},
                         {"ops_per_sec", s.ops_per_sec},
                         {"total_commands", s.total_commands},
                         {"latency_us", LatencyJson(s.latency)},
                         {"memory", {{"used_memory", s.used_memory}, {"maxmemory", s.maxmemory}}},
                         {"keys", s.keys},
                         {"sessions", s.sessions.sessions},
                         {"alerts_active", AlertsSummary(ctx)["active"].size()}});
  }
  if (type == "health") {
    std::vector<std::string> reasons;
    json checks = HealthChecks(ctx, s, &reasons);
    return JsonResponse(200, {{"type", "health"},
                              {"healthy", reasons.empty()},
                              {"reasons", reasons},
                              {"checks", checks}});
  }
  if (type == "report") {
    json report = StatsJson(ctx.server, s, ctx.http_stats, AlertsSummary(ctx));
    report["type"] = "report";
    json slow = json::array();
    for (const SlowLogEntry& e : ctx.server.slowlog->Get(32)) {
      // Command name and argument count only: arguments are stored values (and session ids,
      // passwords), and this route needs no token.
      slow.push_back({{"id", e.id},
                      {"time", e.timestamp_s},
                      {"duration_us", e.duration_us},
                      {"command", e.args.empty() ? std::string() : e.args[0]},
                      {"arguments", e.args.empty() ? 0 : e.args.size() - 1},
                      {"client", e.client_addr}});
    }
    report["slowlog"]["entries"] = slow;
    if (ctx.alerts) report["alerts"]["recent"] = ctx.alerts->Recent(20)["alerts"];
    return JsonResponse(200, report);
  }
  return ErrorResponse(400, "type must be summary, health or report");
}

HttpResponse ResetMetrics(RouteContext& ctx) {
  if (ctx.Query("action") != "reset-metrics") {
    return ErrorResponse(400, "action must be reset-metrics");
  }
  RespValue r = ctx.runner.Run({"CONFIG", "RESETSTAT"});
  if (r.is_error()) return CommandErrorResponse(r);
  return JsonResponse(200, {{"reset", true}});
}

HttpResponse Alerts(RouteContext& ctx) {
  std::string action = ctx.Query("action", "recent");
  if (ctx.alerts == nullptr) return ErrorResponse(503, "alerts are not running");
  if (action == "recent") {
    long limit = std::strtol(ctx.Query("limit", "100").c_str(), nullptr, 10);
    return JsonResponse(200, ctx.alerts->Recent(limit > 0 ? static_cast<size_t>(limit) : 100));
  }
  if (action == "monitor") return JsonResponse(200, ctx.alerts->Monitor());
  return ErrorResponse(400, "action must be recent or monitor");
}

HttpResponse Prometheus(RouteContext& ctx) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = PrometheusText(TakeSnapshot(ctx.server), ctx.http_stats, ctx.alerts);
  return r;
}

}  // namespace

void RegisterHealthRoutes(AdminApi& api) {
  api.Add("GET", "/health", false, Health);
  api.Add("GET", "/health/live", false, [](RouteContext&) {
    return JsonResponse(200, {{"status", "alive"}});
  });
  api.Add("GET", "/health/ready", false, Ready);
  api.Add("GET", "/api/cache/stats", false, Stats);
  api.Add("GET", "/api/cache/metrics", false, Metrics);
  api.Add("DELETE", "/api/cache/metrics", true, ResetMetrics);
  api.Add("GET", "/api/cache/alerts", false, Alerts);
  api.Add("GET", "/metrics", false, Prometheus);
}

}  // namespace cachet
