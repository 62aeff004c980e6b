// AdminApi through the in-process command fixture: routing (404, 405 with Allow), the bearer
// token (missing, wrong, unset), the error shape, keys and sessions round trips, clear leaving
// sessions, invalidation, cleanup confirmation, the stats JSON, a strict check of the
// Prometheus text, and alert evaluation over synthetic samples.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "admin/admin_api.h"
#include "admin/alerts.h"
#include "admin/prometheus.h"
#include "commands/test_fixture.h"

namespace cachet {
namespace {

using json = nlohmann::json;

class AdminTest : public ::testing::Test {
 protected:
  AdminTest() : alerts_(&f_.server(), &f_.config()), api_(&f_.server(), &alerts_) {
    std::string err;
    f_.config().Set("http-token", "secret", false, &err);
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", bool auth = true) {
    HttpRequest r;
    r.method = method;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    if (auth) r.headers["authorization"] = "Bearer secret";
    return api_.Handle(r);
  }
  static json Body(const HttpResponse& r) { return json::parse(r.body); }

  CommandFixture f_;
  AlertMonitor alerts_;
  AdminApi api_;
};

TEST_F(AdminTest, UnknownRoutesAndMethods) {
  HttpResponse r = Call("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["error"]["code"], "not_found");
  EXPECT_EQ(Body(r)["error"]["status"], 404);
  r = Call("PATCH", "/api/cache/keys/k");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, PUT, DELETE");
  EXPECT_EQ(Call("GET", "/api/cache/keys/%zz").status, 400);
}

TEST_F(AdminTest, TokenIsRequiredForProtectedRoutes) {
  EXPECT_EQ(Call("GET", "/api/cache/keys/k", "", false).status, 401);
  HttpRequest wrong;
  wrong.method = "GET";
  wrong.path = "/api/cache/keys/k";
  wrong.headers["authorization"] = "Bearer secreT";
  HttpResponse r = api_.Handle(wrong);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["error"]["code"], "unauthorized");
  wrong.headers["authorization"] = "secret";
  EXPECT_EQ(api_.Handle(wrong).status, 401);
  EXPECT_EQ(Call("GET", "/api/cache/stats", "", false).status, 200);  // counters are open
  EXPECT_EQ(Call("GET", "/health/live", "", false).status, 200);
  std::string err;
  f_.config().Set("http-token", "", false, &err);  // no token: protected routes closed to all
  EXPECT_EQ(Call("DELETE", "/api/cache/keys/k").status, 401);
}

TEST_F(AdminTest, KeysRoundTrip) {
  EXPECT_EQ(Call("GET", "/api/cache/keys/user%3A1").status, 404);
  HttpResponse put = Call("PUT", "/api/cache/keys/user%3A1", R"({"value":"ada","ttl":60})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(f_.Run({"get", "user:1"}), CommandFixture::Bulk("ada"));
  json got = Body(Call("GET", "/api/cache/keys/user%3A1"));
  EXPECT_EQ(got["value"], "ada");
  EXPECT_EQ(got["type"], "string");
  EXPECT_EQ(got["ttl_ms"], 60000);
  f_.Run({"hset", "h", "a", "1"});
  EXPECT_EQ(Body(Call("GET", "/api/cache/keys/h"))["value"], json({{"a", "1"}}));
  f_.Run({"zadd", "z", "2.5", "m"});
  EXPECT_EQ(Body(Call("GET", "/api/cache/keys/z"))["value"][0]["score"], 2.5);
  EXPECT_EQ(Call("PUT", "/api/cache/keys/k", "not json").status, 400);
  EXPECT_EQ(Call("PUT", "/api/cache/keys/k", R"({"value":1})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/cache/keys/k", R"({"value":"v","ttl":-1})").status, 400);
  EXPECT_EQ(Call("GET", "/api/cache/keys/k?db=99").status, 400);
  EXPECT_EQ(Body(Call("DELETE", "/api/cache/keys/user%3A1"))["deleted"], 1);
  EXPECT_EQ(Body(Call("DELETE", "/api/cache/keys/user%3A1"))["deleted"], 0);
}

TEST_F(AdminTest, ClearKeepsSessionsFlushAllNeedsConfirmation) {
  f_.Run({"set", "a", "1"});
  f_.Run({"select", "3"});
  f_.Run({"set", "b", "1"});
  f_.Run({"select", "0"});
  f_.Run({"session.create", "u"});
  EXPECT_EQ(Body(Call("POST", "/api/cache/clear"))["cleared"], 2);
  EXPECT_EQ(f_.Run({"session.count", "u"}), CommandFixture::Int(1));
  EXPECT_EQ(Call("POST", "/api/cache/cleanup?action=flush-all").status, 400);
  EXPECT_EQ(Call("POST", "/api/cache/cleanup?action=flush-all&confirm=yes").status, 200);
  EXPECT_EQ(f_.Run({"session.count", "u"}), CommandFixture::Int(0));
  EXPECT_EQ(Call("POST", "/api/cache/cleanup?action=sometimes").status, 400);
}

TEST_F(AdminTest, InvalidateByPatternAndKeys) {
  for (int i = 0; i < 50; ++i) f_.Run({"set", "user:1:" + std::to_string(i), "v"});
  f_.Run({"set", "user:2:x", "v"});
  f_.Run({"set", "other", "v"});
  EXPECT_EQ(Body(Call("POST", "/api/cache/invalidate",
                      R"({"pattern":"user:1:*","keys":["other","missing"]})"))["invalidated"],
            51);
  EXPECT_EQ(f_.Run({"dbsize"}), CommandFixture::Int(1));
  EXPECT_EQ(Body(Call("DELETE", "/api/cache/invalidate?pattern=user%3A2%3A*"))["invalidated"], 1);
  EXPECT_EQ(Call("POST", "/api/cache/invalidate", "{}").status, 400);
  EXPECT_EQ(Call("POST", "/api/cache/invalidate", R"({"keys":[1]})").status, 400);
  EXPECT_EQ(Call("DELETE", "/api/cache/invalidate").status, 400);
}

TEST_F(AdminTest, SessionsRoundTrip) {
  HttpResponse created =
      Call("POST", "/api/sessions", R"({"user":"u:1","data":{"cart":[1],"name":"ada"},"ttl":60})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = Body(created)["id"];
  json s = Body(Call("GET", "/api/sessions/" + id));
  EXPECT_EQ(s["user"], "u:1");
  EXPECT_EQ(s["data"]["cart"], json::array({1}));
  EXPECT_EQ(s["idle_timeout"], 60);
  HttpResponse patched = Call("PATCH", "/api/sessions/" + id, R"({"name":null,"theme":"dark"})");
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(Body(patched)["data"], json({{"cart", {1}}, {"theme", "dark"}}));
  json list = Body(Call("GET", "/api/users/u%3A1/sessions"));
  EXPECT_EQ(list["sessions"].size(), 1u);
  EXPECT_EQ(Call("POST", "/api/sessions", R"({"data":{}})").status, 400);
  EXPECT_EQ(Call("POST", "/api/sessions", R"({"user":"u","data":[1]})").status, 400);
  EXPECT_EQ(Call("POST", "/api/sessions", R"({"user":"u","ttl":"x"})").status, 400);
  EXPECT_EQ(Call("GET", "/api/sessions/nope").status, 404);
  EXPECT_EQ(Call("PATCH", "/api/sessions/nope", "{}").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/sessions/" + id).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/sessions/" + id).status, 404);
  f_.Run({"config", "set", "session-max-per-user", "1", "session-limit-policy", "refuse"});
  EXPECT_EQ(Call("POST", "/api/sessions", R"({"user":"v"})").status, 201);
  HttpResponse refused = Call("POST", "/api/sessions", R"({"user":"v"})");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Body(refused)["error"]["code"], "conflict");
  EXPECT_EQ(Body(Call("DELETE", "/api/users/v/sessions"))["destroyed"], 1);
}

TEST_F(AdminTest, StatsCountWhatInfoCounts) {
  f_.Run({"set", "a", "1"});
  f_.Run({"get", "a"});
  f_.Run({"get", "missing"});
  json s = Body(Call("GET", "/api/cache/stats", "", false));
  EXPECT_EQ(s["keys"]["total"], 1);
  EXPECT_EQ(s["ops"]["keyspace_hits"], 1);
  EXPECT_EQ(s["ops"]["keyspace_misses"], 1);
  EXPECT_EQ(s["ops"]["hit_rate"], 0.5);
  EXPECT_TRUE(s["namespaces"].is_array());
  bool saw_get = false;
  // Command counters are per process (other tests ran GETs too): at least these two.
  for (const json& c : s["commands"]) saw_get |= c["name"] == "get" && c["calls"] >= 2;
  EXPECT_TRUE(saw_get) << s["commands"].dump();
  EXPECT_EQ(Body(Call("GET", "/api/cache/metrics?type=health", "", false))["healthy"], true);
  EXPECT_EQ(Call("GET", "/api/cache/metrics?type=bogus", "", false).status, 400);
  f_.server().slowlog_threshold_us.store(0);  // log every command
  f_.Run({"set", "secretkey", "hunter2"});
  json report = Body(Call("GET", "/api/cache/metrics?type=report", "", false));
  EXPECT_EQ(report["type"], "report");
  ASSERT_FALSE(report["slowlog"]["entries"].empty());
  EXPECT_EQ(report.dump().find("hunter2"), std::string::npos);  // open route: no values
  bool saw_set = false;
  for (const json& e : report["slowlog"]["entries"]) {
    saw_set |= e["command"] == "set" && e["arguments"] == 2;
  }
  EXPECT_TRUE(saw_set) << report["slowlog"].dump();
  EXPECT_EQ(Call("DELETE", "/api/cache/metrics?action=reset-metrics").status, 200);
  EXPECT_EQ(Body(Call("GET", "/api/cache/stats", "", false))["ops"]["keyspace_hits"], 0);
}

// A strict reading of the text format: every sample belongs to a family declared just
// before with HELP and TYPE, names and labels are well-formed, values parse, nothing repeats.
void CheckPrometheus(const std::string& text) {
  std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$)");
  std::istringstream in(text);
  std::string line, family, type;
  std::set<std::string> families, series;
  bool help = false;
  ASSERT_EQ(text.back(), '\n');
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(family).second) << "family twice: " << family;
      help = true;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_TRUE(help);
      EXPECT_EQ(line.substr(7, family.size()), family);
      type = line.substr(8 + family.size());
      EXPECT_TRUE(type == "gauge" || type == "counter" || type == "summary") << line;
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "bad sample line: " << line;
    std::string name = m[1];
    bool ok = name == family ||
              (type == "summary" && (name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(ok) << name << " outside its family " << family;
    if (type == "counter") EXPECT_EQ(family.substr(family.size() - 6), "_total") << family;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << "twice: " << line;
  }
}

TEST_F(AdminTest, PrometheusTextIsStrictlyValid) {
  f_.Run({"namespace.set", "users \"x\"", "prefix", "u:"});
  f_.Run({"set", "u:1", "1"});
  f_.Run({"set", "a", "1"});
  f_.Run({"get", "a"});
  f_.Run({"session.create", "u"});
  HttpResponse r = Call("GET", "/metrics", "", false);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  CheckPrometheus(r.body);
  EXPECT_NE(r.body.find("redis_db_keys{db=\"db0\"} 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("redis_commands_total{cmd=\"get\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("cachet_sessions 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("cachet_namespace_keys{namespace=\"users \\\"x\\\"\"} 1\n"),
            std::string::npos)
      << r.body;
  json stats = Body(Call("GET", "/api/cache/stats", "", false));
  ASSERT_EQ(stats["namespaces"].size(), 1u);
  EXPECT_EQ(stats["namespaces"][0]["keys"], 1);
  EXPECT_EQ(stats["namespaces"][0]["prefix"], "u:");
  EXPECT_EQ(PrometheusLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST_F(AdminTest, AlertsFireEscalateAndClear) {
  std::string err;
  ASSERT_TRUE(f_.config().Set("alert-window", "10", false, &err));
  ServerSnapshot s;
  int64_t t = 1'000'000;
  alerts_.Evaluate(s, t);
  s.keyspace_hits = 70;  // 70% over 100 reads: below 0.8 (low), not below 0.6
  s.keyspace_misses = 30;
  alerts_.Evaluate(s, t += 1000);
  json m = alerts_.Monitor();
  ASSERT_EQ(m["active"].size(), 1u) << m.dump();
  EXPECT_EQ(m["active"][0]["severity"], "low");
  s.keyspace_misses = 400;  // 70 / 470: below 0.2 -> critical
  alerts_.Evaluate(s, t += 1000);
  EXPECT_EQ(alerts_.Monitor()["active"][0]["severity"], "critical");
  EXPECT_TRUE(alerts_.AnyActiveAtLeast(AlertSeverity::kCritical));
  EXPECT_EQ(Call("GET", "/health", "", false).status, 503);
  // After the window only good reads remain.
  ServerSnapshot later = s;
  for (int i = 0; i < 12; ++i) {
    later.keyspace_hits += 1000;
    alerts_.Evaluate(later, t += 1000);
  }
  EXPECT_EQ(alerts_.Monitor()["active"].size(), 0u);
  json recent = alerts_.Recent(10)["alerts"];  // newest first
  ASSERT_GE(recent.size(), 3u);
  EXPECT_EQ(recent[0]["state"], "cleared");
  EXPECT_EQ(recent[recent.size() - 1]["state"], "fired");
  EXPECT_EQ(recent[recent.size() - 2]["state"], "escalated");
  for (size_t i = 1; i + 2 < recent.size(); ++i) EXPECT_EQ(recent[i]["state"], "lowered");
  EXPECT_NE(alerts_.InfoFields().find("alerts_active:0"), std::string::npos);
  EXPECT_EQ(f_.Run({"config", "set", "alert-memory-above", "0.5 x"}).substr(0, 4), "-ERR");
  EXPECT_EQ(SeverityFor(0.93, {0.8, 0.9, 0.95, 0.99}, false), AlertSeverity::kMedium);
}

TEST_F(AdminTest, ResetCountersDoNotRaiseFalseAlerts) {
  std::string err;
  ASSERT_TRUE(f_.config().Set("alert-evictions-above", "1 2 3 4", false, &err));
  ServerSnapshot s;
  s.evicted_keys = 1000;
  int64_t t = 1'000'000;
  alerts_.Evaluate(s, t);
  alerts_.Evaluate(s, t += 1000);
  s.evicted_keys = 0;  // CONFIG RESETSTAT: the counter goes back to zero
  alerts_.Evaluate(s, t += 1000);
  EXPECT_EQ(alerts_.Monitor()["active"].size(), 0u) << alerts_.Monitor().dump();
  EXPECT_EQ(SeverityFor(0.5, {0.8, 0.9}, false), AlertSeverity::kNone);
}

}  // namespace
}  // namespace cachet
