// Session routes: POST /api/sessions, GET|PATCH|DELETE /api/sessions/{id},
// GET|DELETE /api/users/{user}/sessions. They run SESSION.* commands, so replies, limits,
// logging and statistics are exactly those of the commands (docs/sessions.md).
#include "admin/admin_api.h"

namespace cachet {
namespace {

using json = nlohmann::json;

// A SESSION.GET / LIST map as JSON, with data as the object it is.
json SessionJson(const RespValue& v) {
  json out = json::object();
  for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
    const std::string& name = v.elements[i].str;
    const RespValue& value = v.elements[i + 1];
    if (name == "data") {
      out[name] = json::parse(value.str, nullptr, false);  // validated when stored
    } else if (value.type == RespValue::kInteger) {
      out[name] = value.integer;
    } else {
      out[name] = value.str;
    }
  }
  return out;
}

bool OptionalString(const json& body, const char* name, std::string* out, HttpResponse* error) {
  if (!body.contains(name) || body[name].is_null()) return true;
  if (!body[name].is_string()) {
    *error = ErrorResponse(400, std::string(name) + " must be a string");
    return false;
  }
  *out = body[name];
  return true;
}

bool OptionalSeconds(const json& body, const char* name, std::string* out, HttpResponse* error) {
  if (!body.contains(name) || body[name].is_null()) return true;
  if (!body[name].is_number_integer() || body[name].get<int64_t>() < 0) {
    *error = ErrorResponse(400, std::string(name) + " must be a whole number of seconds");
    return false;
  }
  *out = std::to_string(body[name].get<int64_t>());
  return true;
}

HttpResponse Create(RouteContext& ctx) {
  json body;
  HttpResponse error;
  if (!ParseJsonBody(ctx.request, &body, &error)) return error;
  std::string user, ip, ua, bind, ttl, lifetime;
  if (!body.contains("user") || !body["user"].is_string()) {
    return ErrorResponse(400, "user must be a string");
  }
  user = body["user"];
  if (!OptionalString(body, "ip", &ip, &error) ||
      !OptionalString(body, "user_agent", &ua, &error) ||
      !OptionalString(body, "bind", &bind, &error) || !OptionalSeconds(body, "ttl", &ttl, &error) ||
      !OptionalSeconds(body, "max_lifetime", &lifetime, &error)) {
    return error;
  }
  std::vector<std::string> cmd = {"SESSION.CREATE", user};
  if (body.contains("data")) {
    if (!body["data"].is_object()) return ErrorResponse(400, "data must be a JSON object");
    cmd.insert(cmd.end(), {"DATA", body["data"].dump()});
  }
  if (!ttl.empty()) cmd.insert(cmd.end(), {"TTL", ttl});
  if (!lifetime.empty()) cmd.insert(cmd.end(), {"MAXLIFETIME", lifetime});
  if (!ip.empty()) cmd.insert(cmd.end(), {"IP", ip});
  if (!ua.empty()) cmd.insert(cmd.end(), {"UA", ua});
  if (!bind.empty()) cmd.insert(cmd.end(), {"BIND", bind});
  RespValue r = ctx.runner.Run(cmd);
  if (r.is_error()) return CommandErrorResponse(r);
  return JsonResponse(201, {{"id", r.str}});
}

HttpResponse Get(RouteContext& ctx) {
  std::vector<std::string> cmd = {"SESSION.GET", ctx.params["id"]};
  // Binding checks use what the caller says the client presented.
  std::string ip = ctx.Query("ip"), ua = ctx.Query("user_agent");
  if (!ip.empty()) cmd.insert(cmd.end(), {"IP", ip});
  if (!ua.empty()) cmd.insert(cmd.end(), {"UA", ua});
  RespValue r = ctx.runner.Run(cmd);
  if (r.is_error()) return CommandErrorResponse(r);
  if (r.type == RespValue::kNull) return ErrorResponse(404, "no such session");
  return JsonResponse(200, SessionJson(r));
}

// RFC 7386 JSON merge patch.
void MergePatch(json& target, const json& patch) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      target.erase(it.key());
    } else if (it.value().is_object()) {
      // An object patches what is there, or a new empty object: its nulls remove, never store.
      if (!target.contains(it.key()) || !target[it.key()].is_object()) {
        target[it.key()] = json::object();
      }
      MergePatch(target[it.key()], it.value());
    } else {
      target[it.key()] = it.value();
    }
  }
}

HttpResponse Patch(RouteContext& ctx) {
  json patch;
  HttpResponse error;
  if (!ParseJsonBody(ctx.request, &patch, &error)) return error;
  const std::string& id = ctx.params["id"];
  // Read, merge, write: a SESSION.SET from a RESP client between the read and the write is
  // overwritten (last writer wins), as with a read-modify-write in any client.
  RespValue current = ctx.runner.Run({"SESSION.GET", id, "NOTOUCH"});
  if (current.type != RespValue::kMap) return ErrorResponse(404, "no such session");
  json data = json::parse(current.Find("data")->str, nullptr, false);
  if (!data.is_object()) data = json::object();
  MergePatch(data, patch);
  RespValue set = ctx.runner.Run({"SESSION.SET", id, data.dump()});
  if (set.is_error()) return CommandErrorResponse(set);
  if (set.integer == 0) return ErrorResponse(404, "no such session");
  RespValue after = ctx.runner.Run({"SESSION.GET", id, "NOTOUCH"});
  if (after.type != RespValue::kMap) return ErrorResponse(404, "no such session");
  return JsonResponse(200, SessionJson(after));
}

HttpResponse Destroy(RouteContext& ctx) {
  RespValue r = ctx.runner.Run({"SESSION.DESTROY", ctx.params["id"]});
  if (r.is_error()) return CommandErrorResponse(r);
  if (r.integer == 0) return ErrorResponse(404, "no such session");
  return JsonResponse(200, {{"destroyed", true}});
}

HttpResponse List(RouteContext& ctx) {
  RespValue r = ctx.runner.Run({"SESSION.LIST", ctx.params["user"]});
  if (r.is_error()) return CommandErrorResponse(r);
  json sessions = json::array();
  for (const RespValue& s : r.elements) sessions.push_back(SessionJson(s));
  return JsonResponse(200, {{"user", ctx.params["user"]}, {"sessions", sessions}});
}

HttpResponse DestroyAll(RouteContext& ctx) {
  std::vector<std::string> cmd = {"SESSION.DESTROYALL", ctx.params["user"]};
  std::string except = ctx.Query("except");
  if (!except.empty()) cmd.insert(cmd.end(), {"EXCEPT", except});
  RespValue r = ctx.runner.Run(cmd);
  if (r.is_error()) return CommandErrorResponse(r);
  return JsonResponse(200, {{"destroyed", r.integer}});
}

}  // namespace

void RegisterSessionRoutes(AdminApi& api) {
  api.Add("POST", "/api/sessions", true, Create);
  api.Add("GET", "/api/sessions/{id}", true, Get);
  api.Add("PATCH", "/api/sessions/{id}", true, Patch);
  api.Add("DELETE", "/api/sessions/{id}", true, Destroy);
  api.Add("GET", "/api/users/{user}/sessions", true, List);
  api.Add("DELETE", "/api/users/{user}/sessions", true, DestroyAll);
}

}  // namespace cachet
