// Routing, authentication and the shared JSON helpers.
#include "admin/admin_api.h"

#include "config/config.h"
#include "engine/engine.h"

namespace cachet {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

const char* ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "timeout";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 431:
      return "headers_too_large";
    case 503:
      return "unavailable";
    default:
      return "internal";
  }
}

// Constant-time comparison, so response timing does not reveal how much of a token matched.
bool SameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string RouteContext::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& message) {
  return JsonResponse(
      status, {{"error", {{"status", status}, {"code", ErrorCode(status)}, {"message", message}}}});
}

bool ParseJsonBody(const HttpRequest& request, nlohmann::json* body, HttpResponse* error) {
  *body = nlohmann::json::parse(request.body, nullptr, false);
  if (body->is_discarded()) {
    *error = ErrorResponse(400, "the body is not valid JSON");
    return false;
  }
  if (!body->is_object()) {
    *error = ErrorResponse(400, "the body must be a JSON object");
    return false;
  }
  return true;
}

HttpResponse CommandErrorResponse(const RespValue& reply) {
  const std::string& e = reply.str;
  if (e.rfind("OOM", 0) == 0 || e.rfind("MISCONF", 0) == 0 || e.rfind("LOADING", 0) == 0) {
    return ErrorResponse(503, e);
  }
  if (e.rfind("SESSIONLIMIT", 0) == 0) return ErrorResponse(409, e);
  return ErrorResponse(400, e.rfind("ERR ", 0) == 0 ? e.substr(4) : e);
}

bool ParseDbParam(RouteContext& ctx, int* db, HttpResponse* error) {
  std::string text = ctx.Query("db", "0");
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v >= ctx.server.engine->databases()) {
    *error = ErrorResponse(400, "db must be a database index (0 to " +
                                    std::to_string(ctx.server.engine->databases() - 1) + ")");
    return false;
  }
  *db = static_cast<int>(v);
  return true;
}

AdminApi::AdminApi(ServerContext* server, AlertMonitor* alerts)
    : server_(server), alerts_(alerts), runner_(server) {
  RegisterHealthRoutes(*this);
  RegisterCacheRoutes(*this);
  RegisterWarmRoutes(*this);
  RegisterSessionRoutes(*this);
  RegisterDashboardRoute(*this);
}

void AdminApi::Add(const std::string& method, const std::string& pattern, bool needs_token,
                   RouteHandler handler) {
  routes_.push_back({method, SplitPath(pattern), needs_token, std::move(handler)});
}

bool AdminApi::Authorized(const HttpRequest& request) const {
  std::string token = server_->config->GetString("http-token");
  if (token.empty()) return false;  // no token configured: protected routes are closed
  std::string_view header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.substr(0, kBearer.size()) != kBearer) return false;
  return SameToken(std::string(header.substr(kBearer.size())), token);
}

HttpResponse AdminApi::Handle(const HttpRequest& request) {
  std::vector<std::string> raw = SplitPath(request.path);
  std::vector<std::string> segments;
  for (const std::string& s : raw) {
    std::string decoded;
    if (!PercentDecode(s, &decoded)) return ErrorResponse(400, "bad percent-escape in the path");
    segments.push_back(std::move(decoded));
  }
  std::string allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (segments[i].empty()) match = false;
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    if (route.needs_token && !Authorized(request)) {
      HttpResponse r = ErrorResponse(401, server_->config->GetString("http-token").empty()
                                              ? "this route needs a bearer token and no "
                                                "http-token is configured"
                                              : "missing or wrong bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    if (route.needs_token && server_->engine->loading()) {
      return ErrorResponse(503, "loading persisted data: try again when /health/ready says ready");
    }
    RouteContext ctx{request, std::move(params), {}, *server_, runner_, alerts_, http_stats_};
    if (!ParseQuery(request.query, &ctx.query)) {
      return ErrorResponse(400, "bad percent-escape in the query");
    }
    HttpResponse response = route.handler(ctx);
    response.omit_body = request.method == "HEAD";
    return response;
  }
  if (!allowed.empty()) {
    HttpResponse r = ErrorResponse(405, request.method + " is not allowed here");
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  return ErrorResponse(404, "no route for " + request.method + " " + request.path);
}

}  // namespace cachet
