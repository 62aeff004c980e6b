// Cache warming over HTTP (docs/warming.md): POST /api/cache/warm starts WARM LOAD, GET
// /api/cache/warm is WARM STATUS, POST /api/cache/warm/save is WARM SAVE. All need the token.
#include <string>
#include <vector>

#include "admin/admin_api.h"
#include "config/config.h"

namespace cachet {
namespace {

using json = nlohmann::json;

// The optional "file" field (absent: the warm-file option), or false with a 400.
bool FileField(const json& body, std::string* file, HttpResponse* error) {
  *file = "DEFAULT";
  if (!body.contains("file") || body["file"].is_null()) return true;
  if (!body["file"].is_string() || body["file"].get<std::string>().empty()) {
    *error = ErrorResponse(400, "file must be a non-empty string");
    return false;
  }
  *file = body["file"].get<std::string>();
  return true;
}

// WARM's error replies as HTTP: a missing file is 404, a load already running 409.
HttpResponse WarmError(const RespValue& reply) {
  if (reply.str.find("cannot open warm file") != std::string::npos) {
    return ErrorResponse(404, reply.str.substr(4));
  }
  if (reply.str.find("already running") != std::string::npos) {
    return ErrorResponse(409, reply.str.substr(4));
  }
  return CommandErrorResponse(reply);
}

HttpResponse Start(RouteContext& ctx) {
  json body = json::object();
  HttpResponse error;
  if (!ctx.request.body.empty() && !ParseJsonBody(ctx.request, &body, &error)) return error;
  std::string file;
  if (!FileField(body, &file, &error)) return error;
  std::vector<std::string> cmd = {"WARM", "LOAD", file};
  if (body.contains("replace")) {
    if (!body["replace"].is_boolean()) return ErrorResponse(400, "replace must be a boolean");
    if (body["replace"].get<bool>()) cmd.push_back("REPLACE");
  }
  for (const char* field : {"batch", "pause"}) {
    if (!body.contains(field)) continue;
    if (!body[field].is_number_integer()) {
      return ErrorResponse(400, std::string(field) + " must be an integer");
    }
    cmd.push_back(field);
    cmd.push_back(std::to_string(body[field].get<int64_t>()));
  }
  RespValue r = ctx.runner.Run(cmd);
  if (r.is_error()) return WarmError(r);
  if (file == "DEFAULT") file = ctx.server.config->GetString("warm-file");
  return JsonResponse(202, {{"started", true}, {"file", file}});
}

HttpResponse Status(RouteContext& ctx) {
  RespValue r = ctx.runner.Run({"WARM", "STATUS"});
  if (r.is_error()) return WarmError(r);
  json out = json::object();
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const RespValue& v = r.elements[i + 1];
    out[r.elements[i].str] = v.type == RespValue::kInteger ? json(v.integer) : json(v.str);
  }
  return JsonResponse(200, out);
}

HttpResponse Save(RouteContext& ctx) {
  json body = json::object();
  HttpResponse error;
  if (!ctx.request.body.empty() && !ParseJsonBody(ctx.request, &body, &error)) return error;
  std::string file;
  if (!FileField(body, &file, &error)) return error;
  RespValue r = ctx.runner.Run({"WARM", "SAVE", file});
  if (r.is_error()) return WarmError(r);
  return JsonResponse(200, {{"keys", r.integer}});
}

}  // namespace

void RegisterWarmRoutes(AdminApi& api) {
  api.Add("POST", "/api/cache/warm", true, Start);
  api.Add("GET", "/api/cache/warm", true, Status);
  api.Add("POST", "/api/cache/warm/save", true, Save);
}

}  // namespace cachet
