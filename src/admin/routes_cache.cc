// Routes that change or show cached data: /api/cache/clear, /api/cache/invalidate,
// /api/cache/cleanup, /api/cache/keys/{key}. All need the bearer token; all run Redis commands
// through the CommandRunner so they are logged and counted like any client's.
#include "admin/admin_api.h"
#include "engine/engine.h"

namespace cachet {
namespace {

using json = nlohmann::json;

// Deletes the keys of db matching pattern (SCAN + UNLINK in batches). Returns how many.
int64_t DeleteMatching(RouteContext& ctx, int db, const std::string& pattern) {
  int64_t removed = 0;
  std::string cursor = "0";
  do {
    RespValue page = ctx.runner.Run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, db);
    if (page.type != RespValue::kArray || page.elements.size() != 2) break;
    cursor = page.elements[0].str;
    std::vector<std::string> del = {"UNLINK"};
    for (const RespValue& key : page.elements[1].elements) del.push_back(key.str);
    if (del.size() > 1) removed += ctx.runner.Run(del, db).integer;
  } while (cursor != "0");
  return removed;
}

// Reads an optional "db" field of a JSON body into *db (left as it is when absent). False with
// the 400 in *error when it is not a database index.
bool BodyDb(RouteContext& ctx, const json& body, int* db, HttpResponse* error) {
  if (!body.contains("db")) return true;
  const json& v = body["db"];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
      v.get<int64_t>() >= ctx.server.engine->databases()) {
    *error = ErrorResponse(400, "db must be a database index");
    return false;
  }
  *db = v.get<int>();
  return true;
}

HttpResponse Clear(RouteContext& ctx) {
  json body = json::object();
  HttpResponse error;
  if (!ctx.request.body.empty() && !ParseJsonBody(ctx.request, &body, &error)) return error;
  int first = 0, last = ctx.server.engine->databases() - 1;
  int one = -1;
  if (!BodyDb(ctx, body, &one, &error)) return error;
  if (one >= 0) first = last = one;
  int64_t cleared = 0;
  for (int db = first; db <= last; ++db) {
    RespValue size = ctx.runner.Run({"DBSIZE"}, db);
    if (size.integer == 0) continue;
    RespValue r = ctx.runner.Run({"FLUSHDB"}, db);  // sessions are not in a database: they stay
    if (r.is_error()) return CommandErrorResponse(r);
    cleared += size.integer;
  }
  return JsonResponse(200, {{"cleared", cleared}});
}

HttpResponse Invalidate(RouteContext& ctx, const std::string& pattern,
                        const std::vector<std::string>& keys, int db) {
  int64_t invalidated = 0;
  if (!keys.empty()) {
    std::vector<std::string> del = {"UNLINK"};
    del.insert(del.end(), keys.begin(), keys.end());
    RespValue r = ctx.runner.Run(del, db);
    if (r.is_error()) return CommandErrorResponse(r);
    invalidated += r.integer;
  }
  if (!pattern.empty()) invalidated += DeleteMatching(ctx, db, pattern);
  return JsonResponse(200, {{"invalidated", invalidated}});
}

HttpResponse InvalidateBody(RouteContext& ctx) {
  json body;
  HttpResponse error;
  if (!ParseJsonBody(ctx.request, &body, &error)) return error;
  std::string pattern;
  std::vector<std::string> keys;
  if (body.contains("pattern")) {
    if (!body["pattern"].is_string() || body["pattern"].get<std::string>().empty()) {
      return ErrorResponse(400, "pattern must be a non-empty string");
    }
    pattern = body["pattern"];
  }
  if (body.contains("keys")) {
    if (!body["keys"].is_array()) return ErrorResponse(400, "keys must be an array of strings");
    for (const json& k : body["keys"]) {
      if (!k.is_string()) return ErrorResponse(400, "keys must be an array of strings");
      keys.push_back(k);
    }
  }
  if (pattern.empty() && keys.empty()) return ErrorResponse(400, "give a pattern or keys");
  int db = 0;
  if (!BodyDb(ctx, body, &db, &error)) return error;
  return Invalidate(ctx, pattern, keys, db);
}

HttpResponse InvalidateQuery(RouteContext& ctx) {
  std::string pattern = ctx.Query("pattern");
  if (pattern.empty()) return ErrorResponse(400, "the pattern query parameter is required");
  int db;
  HttpResponse error;
  if (!ParseDbParam(ctx, &db, &error)) return error;
  return Invalidate(ctx, pattern, {}, db);
}

HttpResponse Cleanup(RouteContext& ctx) {
  std::string action = ctx.Query("action");
  if (action == "scheduled") {
    Engine& e = *ctx.server.engine;
    uint64_t before = e.Totals().expired_keys;
    uint64_t sessions_before = e.sessions().Stats().expired;
    e.ActiveExpire(0, 1, 1'000'000);  // one worker covering every shard, up to a second
    uint64_t expired = e.Totals().expired_keys - before;
    uint64_t sessions = e.sessions().Stats().expired - sessions_before;
    return JsonResponse(200, {{"expired", expired + sessions},
                              {"expired_keys", expired},
                              {"expired_sessions", sessions}});
  }
  if (action == "flush-all") {
    if (ctx.Query("confirm") != "yes") {
      return ErrorResponse(400, "flush-all removes every key and session: add confirm=yes");
    }
    RespValue r = ctx.runner.Run({"FLUSHALL"});
    if (r.is_error()) return CommandErrorResponse(r);
    return JsonResponse(200, {{"flushed", true}});
  }
  return ErrorResponse(400, "action must be scheduled or flush-all");
}

// A key's value as JSON, by type.
json ValueJson(RouteContext& ctx, const std::string& key, const std::string& type, int db) {
  auto strings = [](const RespValue& v) {
    json out = json::array();
    for (const RespValue& e : v.elements) out.push_back(e.str);
    return out;
  };
  if (type == "string") return ctx.runner.Run({"GET", key}, db).str;
  if (type == "hash") {
    json out = json::object();
    RespValue v = ctx.runner.Run({"HGETALL", key}, db);
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
      out[v.elements[i].str] = v.elements[i + 1].str;
    }
    return out;
  }
  if (type == "list") return strings(ctx.runner.Run({"LRANGE", key, "0", "-1"}, db));
  if (type == "set") return strings(ctx.runner.Run({"SMEMBERS", key}, db));
  if (type == "zset") {
    json out = json::array();
    RespValue v = ctx.runner.Run({"ZRANGE", key, "0", "-1", "WITHSCORES"}, db);
    for (const RespValue& pair : v.elements) {
      if (pair.elements.size() == 2) {
        out.push_back(
            {{"member", pair.elements[0].str}, {"score", std::stod(pair.elements[1].str)}});
      }
    }
    return out;
  }
  return nullptr;
}

HttpResponse GetKey(RouteContext& ctx) {
  int db;
  HttpResponse error;
  if (!ParseDbParam(ctx, &db, &error)) return error;
  const std::string& key = ctx.params["key"];
  RespValue type = ctx.runner.Run({"TYPE", key}, db);
  if (type.str == "none") return ErrorResponse(404, "no such key");
  json value = ValueJson(ctx, key, type.str, db);
  int64_t ttl = ctx.runner.Run({"PTTL", key}, db).integer;
  return JsonResponse(200, {{"key", key},
                            {"type", type.str},
                            {"ttl_ms", ttl >= 0 ? json(ttl) : json(nullptr)},
                            {"value", value}});
}

HttpResponse PutKey(RouteContext& ctx) {
  int db;
  HttpResponse error;
  if (!ParseDbParam(ctx, &db, &error)) return error;
  json body;
  if (!ParseJsonBody(ctx.request, &body, &error)) return error;
  if (!body.contains("value") || !body["value"].is_string()) {
    return ErrorResponse(400, "value must be a string");
  }
  std::vector<std::string> cmd = {"SET", ctx.params["key"], body["value"].get<std::string>()};
  if (body.contains("ttl") && !body["ttl"].is_null()) {
    if (!body["ttl"].is_number_integer() || body["ttl"].get<int64_t>() <= 0) {
      return ErrorResponse(400, "ttl must be a positive number of seconds");
    }
    cmd.push_back("EX");
    cmd.push_back(std::to_string(body["ttl"].get<int64_t>()));
  }
  RespValue r = ctx.runner.Run(cmd, db);
  if (r.is_error()) return CommandErrorResponse(r);
  return JsonResponse(200, {{"key", ctx.params["key"]}, {"stored", true}});
}

HttpResponse DeleteKey(RouteContext& ctx) {
  int db;
  HttpResponse error;
  if (!ParseDbParam(ctx, &db, &error)) return error;
  RespValue r = ctx.runner.Run({"DEL", ctx.params["key"]}, db);
  if (r.is_error()) return CommandErrorResponse(r);
  return JsonResponse(200, {{"deleted", r.integer}});
}

}  // namespace

void RegisterCacheRoutes(AdminApi& api) {
  api.Add("POST", "/api/cache/clear", true, Clear);
  api.Add("POST", "/api/cache/invalidate", true, InvalidateBody);
  api.Add("DELETE", "/api/cache/invalidate", true, InvalidateQuery);
  api.Add("POST", "/api/cache/cleanup", true, Cleanup);
  api.Add("GET", "/api/cache/keys/{key}", true, GetKey);
  api.Add("PUT", "/api/cache/keys/{key}", true, PutKey);
  api.Add("DELETE", "/api/cache/keys/{key}", true, DeleteKey);
}

}  // namespace cachet
