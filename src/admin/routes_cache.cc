// Routes that change or show cached data: /api/cache/clear, /api/cache/invalidate (through
// INVALIDATE: keys, tags, patterns, userId and events),
// /api/cache/cleanup, /api/cache/keys/{key}. All need the bearer token; all run Redis commands
// through the CommandRunner so they are logged and counted like any client's.
#include "admin/admin_api.h"
#include "core/glob.h"
#include "engine/engine.h"

namespace cachet {
namespace {

using json = nlohmann::json;

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

// What an invalidation route asks for. userId stands for the seeds' layout of a user's data:
// the tag user:{id} and the keys under user:{id}: (docs/invalidation.md).
struct InvalidationAsk {
  std::vector<std::string> keys;
  std::vector<std::string> tags;
  std::vector<std::string> patterns;
  std::string event;
  std::vector<std::pair<std::string, std::string>> fields;
  bool empty() const { return keys.empty() && tags.empty() && patterns.empty() && event.empty(); }
  void AddUser(const std::string& id) {
    tags.push_back("user:" + id);
    patterns.push_back("user:" + GlobEscape(id) + ":*");
  }
};

// Runs the INVALIDATE commands ask stands for in db: {"invalidated": keys deleted}.
HttpResponse Invalidate(RouteContext& ctx, const InvalidationAsk& ask, int db) {
  int64_t invalidated = 0;
  std::vector<std::vector<std::string>> commands;
  if (!ask.keys.empty()) {
    commands.push_back({"INVALIDATE", "KEY"});
    commands.back().insert(commands.back().end(), ask.keys.begin(), ask.keys.end());
  }
  if (!ask.tags.empty()) {
    commands.push_back({"INVALIDATE", "TAG"});
    commands.back().insert(commands.back().end(), ask.tags.begin(), ask.tags.end());
  }
  for (const std::string& p : ask.patterns) commands.push_back({"INVALIDATE", "PATTERN", p});
  if (!ask.event.empty()) {
    commands.push_back({"INVALIDATE", "EVENT", ask.event});
    for (const auto& [f, v] : ask.fields) {
      commands.back().push_back(f);
      commands.back().push_back(v);
    }
  }
  for (const auto& cmd : commands) {
    RespValue r = ctx.runner.Run(cmd, db);
    if (r.is_error()) return CommandErrorResponse(r);
    invalidated += r.integer;
  }
  return JsonResponse(200, {{"invalidated", invalidated}});
}

// Reads field (a non-empty string, or an array of them when list is set) into *out.
bool StringsField(const json& body, const char* field, bool list, std::vector<std::string>* out,
                  HttpResponse* error) {
  if (!body.contains(field)) return true;
  const json& v = body[field];
  std::string what = std::string(field) + (list ? " must be an array of non-empty strings"
                                                : " must be a non-empty string");
  auto take = [&](const json& item) {
    if (!item.is_string() || item.get<std::string>().empty()) return false;
    out->push_back(item.get<std::string>());
    return true;
  };
  bool ok = list ? v.is_array() && !v.empty() : true;
  if (ok && list) {
    for (const json& item : v) ok = ok && take(item);
  } else if (ok) {
    ok = take(v);
  }
  if (!ok) *error = ErrorResponse(400, what);
  return ok;
}

// Fills ask from a JSON body's pattern, keys, tag(s), userId/subjectId and event fields.
bool AskFromBody(const json& body, InvalidationAsk* ask, HttpResponse* error) {
  std::vector<std::string> users, events;
  if (!StringsField(body, "pattern", false, &ask->patterns, error) ||
      !StringsField(body, "keys", true, &ask->keys, error) ||
      !StringsField(body, "tag", false, &ask->tags, error) ||
      !StringsField(body, "tags", true, &ask->tags, error) ||
      !StringsField(body, "userId", false, &users, error) ||
      !StringsField(body, "subjectId", false, &users, error) ||
      !StringsField(body, "event", false, &events, error)) {
    return false;
  }
  for (const std::string& u : users) ask->AddUser(u);
  if (!events.empty()) ask->event = events[0];
  if (body.contains("fields")) {
    const json& f = body["fields"];
    if (ask->event.empty() || !f.is_object()) {
      *error = ErrorResponse(400, "fields must be an object, given with an event");
      return false;
    }
    for (const auto& [name, value] : f.items()) {
      if (value.is_string()) {
        ask->fields.emplace_back(name, value.get<std::string>());
      } else if (value.is_number_integer()) {
        ask->fields.emplace_back(name, std::to_string(value.get<int64_t>()));
      } else {
        *error = ErrorResponse(400, "event fields must be strings or integers");
        return false;
      }
    }
  }
  return true;
}

HttpResponse InvalidateBody(RouteContext& ctx) {
  json body;
  HttpResponse error;
  if (!ParseJsonBody(ctx.request, &body, &error)) return error;
  InvalidationAsk ask;
  if (!AskFromBody(body, &ask, &error)) return error;
  if (ask.empty()) {
    return ErrorResponse(400, "give an event, a pattern, keys, tags or a userId");
  }
  int db = 0;
  if (!BodyDb(ctx, body, &db, &error)) return error;
  return Invalidate(ctx, ask, db);
}

HttpResponse InvalidateQuery(RouteContext& ctx) {
  InvalidationAsk ask;
  if (!ctx.Query("pattern").empty()) ask.patterns.push_back(ctx.Query("pattern"));
  if (!ctx.Query("key").empty()) ask.keys.push_back(ctx.Query("key"));
  if (!ctx.Query("tag").empty()) ask.tags.push_back(ctx.Query("tag"));
  if (!ctx.Query("userId").empty()) ask.AddUser(ctx.Query("userId"));
  if (ask.empty()) {
    return ErrorResponse(400, "give one of the query parameters pattern, key, tag or userId");
  }
  int db;
  HttpResponse error;
  if (!ParseDbParam(ctx, &db, &error)) return error;
  return Invalidate(ctx, ask, db);
}

HttpResponse Clear(RouteContext& ctx) {
  json body = json::object();
  HttpResponse error;
  if (!ctx.request.body.empty() && !ParseJsonBody(ctx.request, &body, &error)) return error;
  InvalidationAsk ask;
  if (!body.is_object()) return ErrorResponse(400, "the body must be a JSON object");
  if (!AskFromBody(body, &ask, &error)) return error;
  int first = 0, last = ctx.server.engine->databases() - 1;
  int one = -1;
  if (!BodyDb(ctx, body, &one, &error)) return error;
  if (!ask.empty()) {  // a selector clears what it selects: {"userId": ...}, {"tag": ...}
    HttpResponse r = Invalidate(ctx, ask, one >= 0 ? one : 0);
    if (r.status != 200) return r;
    json out = json::parse(r.body);
    return JsonResponse(200, {{"cleared", out["invalidated"]}});
  }
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
