// SessionTable and session encoding: the indexes stay exact through insert, touch, replace and
// remove; ordering by deadline and activity; expiry arithmetic; codec round trip and damage.
#include "core/session_table.h"

#include <gtest/gtest.h>

#include "core/json_check.h"

namespace cachet {
namespace {

Session Make(const std::string& id, const std::string& user, int64_t at, int64_t idle = 1000,
             int64_t lifetime = 0) {
  Session s;
  s.id = id;
  s.user = user;
  s.data = "{}";
  s.created_ms = s.last_active_ms = at;
  s.idle_ms = idle;
  s.max_lifetime_ms = lifetime;
  return s;
}

TEST(SessionTest, ExpiresAtIsTheEarlierOfIdleAndLifetime) {
  Session s = Make("a", "u", 1000, 500, 0);
  EXPECT_EQ(s.ExpiresAt(), 1500);
  s.last_active_ms = 9000;
  EXPECT_EQ(s.ExpiresAt(), 9500);
  s.max_lifetime_ms = 2000;  // created 1000 + 2000
  EXPECT_EQ(s.ExpiresAt(), 3000);
}

TEST(SessionTableTest, UserIndexStaysExactThroughRemovals) {
  SessionTable t;
  for (int i = 0; i < 10; ++i) t.Insert(Make("s" + std::to_string(i), i % 2 ? "odd" : "even", i));
  EXPECT_EQ(t.size(), 10u);
  EXPECT_EQ(t.users(), 2u);
  EXPECT_EQ(t.CountFor("odd"), 5u);
  t.Remove(t.Find("s1"));
  t.Remove(t.Find("s9"));
  t.Remove(t.Find("s5"));
  EXPECT_EQ(t.CountFor("odd"), 2u);
  for (Session* s : t.UserSessions("odd")) {
    EXPECT_EQ(t.Find(s->id), s);
    EXPECT_EQ(s->user, "odd");
  }
  t.Remove(t.Find("s3"));
  t.Remove(t.Find("s7"));
  EXPECT_EQ(t.users(), 1u);
  EXPECT_TRUE(t.UserSessions("odd").empty());
  EXPECT_EQ(t.Find("s3"), nullptr);
}

TEST(SessionTableTest, ReplacingAnIdMovesItBetweenUsers) {
  SessionTable t;
  t.Insert(Make("x", "alice", 0));
  int64_t one = t.memory_bytes();
  t.Insert(Make("x", "bob", 5));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.CountFor("alice"), 0u);
  EXPECT_EQ(t.CountFor("bob"), 1u);
  EXPECT_EQ(t.memory_bytes(), one);
}

TEST(SessionTableTest, OrdersByDeadlineAndActivity) {
  SessionTable t;
  Session* a = t.Insert(Make("a", "u", 100, 1000));  // deadline 1100
  Session* b = t.Insert(Make("b", "u", 200, 100));   // deadline 300
  Session* c = t.Insert(Make("c", "v", 50, 5000));   // deadline 5050
  EXPECT_EQ(t.NextToExpire(), b);
  EXPECT_EQ(t.LeastActive(), c);
  EXPECT_EQ(t.LeastActiveOf("u"), a);
  t.Touch(a, 400);  // a: active 400, deadline 1400
  t.Touch(c, 500);
  EXPECT_EQ(t.LeastActive(), b);
  EXPECT_EQ(t.LeastActiveOf("u"), b);
  t.Remove(b);
  EXPECT_EQ(t.NextToExpire(), a);
  EXPECT_EQ(t.LeastActive(), a);
  t.Clear();
  EXPECT_EQ(t.NextToExpire(), nullptr);
  EXPECT_EQ(t.LeastActive(), nullptr);
  EXPECT_EQ(t.memory_bytes(), 0);
}

TEST(SessionTableTest, ActivityInTheSameMillisecondKeepsItsOrder) {
  SessionTable t;
  Session* a = t.Insert(Make("a", "u", 100));
  Session* b = t.Insert(Make("b", "u", 100));
  Session* c = t.Insert(Make("c", "u", 100));
  t.Touch(a, 100);  // same millisecond, but after b and c
  EXPECT_EQ(t.LeastActiveOf("u"), b);
  EXPECT_EQ(t.LeastActive(), b);
  t.Touch(b, 100);
  EXPECT_EQ(t.LeastActiveOf("u"), c);
  EXPECT_EQ(t.LeastActive(), c);
}

TEST(SessionTableTest, MemoryFollowsData) {
  SessionTable t;
  Session* s = t.Insert(Make("a", "u", 0));
  int64_t small = t.memory_bytes();
  t.SetData(s, std::string(1000, ' ') + "{}");
  EXPECT_GE(t.memory_bytes(), small + 1000);
  t.Remove(s);
  EXPECT_EQ(t.memory_bytes(), 0);
}

TEST(SessionCodecTest, RoundTripsAndRejectsDamage) {
  Session s = Make("id-123", "user", 1'700'000'000'000, 60'000, 3'600'000);
  s.ip = "::1";
  s.user_agent = "Mozilla/5.0";
  s.data = R"({"cart":[1,2,3]})";
  s.bind = kBindUa;
  s.last_active_ms += 42;
  std::string bytes;
  SerializeSession(s, &bytes);
  Session back;
  ASSERT_TRUE(DeserializeSession(bytes, &back));
  EXPECT_EQ(back.id, s.id);
  EXPECT_EQ(back.user, s.user);
  EXPECT_EQ(back.data, s.data);
  EXPECT_EQ(back.ip, s.ip);
  EXPECT_EQ(back.user_agent, s.user_agent);
  EXPECT_EQ(back.created_ms, s.created_ms);
  EXPECT_EQ(back.last_active_ms, s.last_active_ms);
  EXPECT_EQ(back.idle_ms, s.idle_ms);
  EXPECT_EQ(back.max_lifetime_ms, s.max_lifetime_ms);
  EXPECT_EQ(back.bind, s.bind);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Session partial;
    EXPECT_FALSE(DeserializeSession(std::string_view(bytes).substr(0, cut), &partial)) << cut;
  }
  Session extra;
  EXPECT_FALSE(DeserializeSession(bytes + "x", &extra));
}

TEST(SessionBindTest, ParsesNames) {
  uint8_t b = 9;
  EXPECT_TRUE(ParseSessionBind("BOTH", &b));
  EXPECT_EQ(b, kBindBoth);
  EXPECT_TRUE(ParseSessionBind("ip", &b));
  EXPECT_EQ(b, kBindIp);
  EXPECT_FALSE(ParseSessionBind("ipv6", &b));
  EXPECT_STREQ(SessionBindName(kBindUa), "ua");
}

TEST(JsonCheckTest, AcceptsObjectsOnly) {
  std::string detail;
  EXPECT_EQ(CheckJsonObject(R"({"a":[1,{"b":null}],"c":"\u00e9"})", &detail), JsonCheck::kObject);
  EXPECT_EQ(CheckJsonObject(" {} ", &detail), JsonCheck::kObject);
  EXPECT_EQ(CheckJsonObject("[]", &detail), JsonCheck::kNotAnObject);
  EXPECT_EQ(CheckJsonObject("\"s\"", &detail), JsonCheck::kNotAnObject);
  EXPECT_EQ(CheckJsonObject("null", &detail), JsonCheck::kNotAnObject);
  EXPECT_EQ(CheckJsonObject("", &detail), JsonCheck::kInvalid);
  EXPECT_EQ(CheckJsonObject("{\"a\":1,}", &detail), JsonCheck::kInvalid);
  EXPECT_NE(detail.find("line 1, column 8"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("[json.exception"), std::string::npos) << detail;
  EXPECT_EQ(CheckJsonObject("{} {}", &detail), JsonCheck::kInvalid);
  EXPECT_EQ(CheckJsonObject("{\"a\":\"\xc3\"}", &detail), JsonCheck::kInvalid);  // bad UTF-8
  EXPECT_EQ(CheckJsonObject("{/*c*/}", &detail), JsonCheck::kInvalid);
}

TEST(JsonCheckTest, BoundsDepthWithoutRecursing) {
  std::string detail;
  std::string ok = "{\"a\":" + std::string(62, '[') + std::string(62, ']') + "}";  // 63 levels
  EXPECT_EQ(CheckJsonObject(ok, &detail, 64), JsonCheck::kObject);
  std::string deep = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_EQ(CheckJsonObject(deep, &detail, 64), JsonCheck::kTooDeep);
  std::string bomb = "{\"a\":" + std::string(1'000'000, '[');
  EXPECT_EQ(CheckJsonObject(bomb, &detail, 64), JsonCheck::kTooDeep);
}

}  // namespace
}  // namespace cachet
