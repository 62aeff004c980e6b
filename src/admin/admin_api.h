// AdminApi: the HTTP admin API of docs/http.md — a table of routes (method, path pattern with
// {name} segments, whether a bearer token is needed, handler), bearer-token checking, and one
// JSON error shape for every failure. Route groups register themselves from their own files
// (routes_*.cc); handlers reach the server through RouteContext.
//
// Thread-safety: Handle runs on the HTTP thread only (the CommandRunner is not shared).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin/command_runner.h"
#include "http/http_message.h"
#include "http/http_server.h"

namespace cachet {

class AlertMonitor;

struct RouteContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;      // decoded {name} segments
  std::multimap<std::string, std::string> query;  // decoded query parameters
  ServerContext& server;
  CommandRunner& runner;
  AlertMonitor* alerts;
  const HttpServerStats* http_stats;

  // The query parameter's value, or fallback.
  std::string Query(const std::string& name, const std::string& fallback = "") const;
};

using RouteHandler = std::function<HttpResponse(RouteContext&)>;

// JSON responses.
HttpResponse JsonResponse(int status, const nlohmann::json& body);
// {"error": {"status", "code", "message"}} with the code docs/http.md names for status.
HttpResponse ErrorResponse(int status, const std::string& message);
// Parses the request body as a JSON object; on failure fills *error with the 400 response.
bool ParseJsonBody(const HttpRequest& request, nlohmann::json* body, HttpResponse* error);
// Maps an error reply of a command to the HTTP error docs/http.md gives it (OOM and refused
// writes 503, SESSIONLIMIT 409, others 400).
HttpResponse CommandErrorResponse(const RespValue& reply);
// Reads ?db=N (default 0); false with a 400 in *error when it is not a valid database.
bool ParseDbParam(RouteContext& ctx, int* db, HttpResponse* error);

class AdminApi {
 public:
  AdminApi(ServerContext* server, AlertMonitor* alerts);
  void set_http_stats(const HttpServerStats* stats) { http_stats_ = stats; }

  // Adds a route. pattern: "/api/sessions/{id}".
  void Add(const std::string& method, const std::string& pattern, bool needs_token,
           RouteHandler handler);
  HttpResponse Handle(const HttpRequest& request);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    bool needs_token;
    RouteHandler handler;
  };
  bool Authorized(const HttpRequest& request) const;

  ServerContext* server_;
  AlertMonitor* alerts_;
  const HttpServerStats* http_stats_ = nullptr;
  CommandRunner runner_;
  std::vector<Route> routes_;
};

// Route groups (one file each).
void RegisterHealthRoutes(AdminApi& api);   // /health*, /api/cache/stats, metrics, alerts, /metrics
void RegisterCacheRoutes(AdminApi& api);    // clear, invalidate, cleanup, keys
void RegisterSessionRoutes(AdminApi& api);  // /api/sessions, /api/users/{user}/sessions
void RegisterDashboardRoute(AdminApi& api);  // GET /
void RegisterWarmRoutes(AdminApi& api);      // /api/cache/warm (routes_warm.cc)

}  // namespace cachet
