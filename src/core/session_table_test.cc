// SessionTable and session encoding: the indexes stay exact through insert, touch, replace and
// remove; ordering by deadline and activity; expiry arithmetic; codec round trip and damage.
#include "core/session_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/json_check.h"

namespace cachet {
namespace {

Session Make(const std::string& id, const std::string& user, int64_t at, int64_t idle = 1000,
             int64_t lifetime = 0) {
  Session s;
  s.set_id(id);
  s.SetText(user, "", "", "{}");
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
    EXPECT_EQ(t.Find(s->id()), s);
    EXPECT_EQ(s->user(), "odd");
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

TEST(SessionTableTest, DeadlineMovedEarlierIsSeenAtOnce) {
  SessionTable t;
  Session* a = t.Insert(Make("a", "u", 1000, 1000));  // deadline 2000
  Session* b = t.Insert(Make("b", "u", 1000, 500));   // deadline 1500
  t.Touch(b, 5000);                                   // 5500: b's heap key is now stale
  EXPECT_EQ(t.NextToExpire(), a);
  t.Touch(b, 100);  // replayed to an older time: 600, earlier than a
  EXPECT_EQ(t.NextToExpire(), b);
  EXPECT_EQ(t.LeastActive(), b);
}

TEST(SessionTableTest, OutOfOrderActivityBeyondTheWalkBackIsSorted) {
  SessionTable t;
  // Restored newest first: every insert belongs at the head, far from the tail.
  for (int i = 0; i < 200; ++i) t.Insert(Make("s" + std::to_string(i), "u", 10'000 - i));
  EXPECT_EQ(t.LeastActive(), t.Find("s199"));
  std::vector<int64_t> order;
  t.ForEach([&](const Session& s) { order.push_back(s.last_active_ms); });
  ASSERT_EQ(order.size(), 200u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  t.Touch(t.Find("s199"), 20'000);
  EXPECT_EQ(t.LeastActive(), t.Find("s198"));
}

// Random inserts, touches (forwards and backwards in time), data changes and removals,
// checked after every step against a brute-force scan: the id table, the deadline heap (with
// its lazy keys) and the activity list (ties within a millisecond included) stay exact.
TEST(SessionTableTest, IndexesMatchABruteForceModel) {
  SessionTable t;
  std::mt19937 rng(7);
  std::map<std::string, Session*> model;
  std::map<Session*, uint64_t> touch_order;  // larger = later activity at equal times
  uint64_t clock = 0;
  auto key = [&](Session* s) { return std::make_pair(s->last_active_ms, touch_order[s]); };
  for (int step = 0; step < 20'000; ++step) {
    int op = rng() % 10;
    int64_t at = 1000 + rng() % 50;  // few distinct milliseconds: many ties
    std::string id = "id" + std::to_string(rng() % 300);
    auto it = model.find(id);
    if (op < 4) {  // insert or replace
      if (it != model.end()) touch_order.erase(it->second);
      Session* s = t.Insert(Make(id, "u" + std::to_string(rng() % 20), at, 1 + rng() % 100,
                                 rng() % 3 == 0 ? 1 + rng() % 100 : 0));
      model[id] = s;
      touch_order[s] = ++clock;
    } else if (op < 8 && it != model.end()) {
      t.Touch(it->second, at);
      touch_order[it->second] = ++clock;
    } else if (op == 8 && it != model.end()) {
      t.SetData(it->second, "{\"n\":" + std::to_string(step) + "}");
    } else if (it != model.end()) {
      touch_order.erase(it->second);
      t.Remove(it->second);
      model.erase(it);
    }
    ASSERT_EQ(t.size(), model.size());
    Session* soonest = nullptr;
    Session* least = nullptr;
    for (const auto& [mid, s] : model) {
      ASSERT_EQ(t.Find(mid), s);
      if (soonest == nullptr || s->ExpiresAt() < soonest->ExpiresAt()) soonest = s;
      if (least == nullptr || key(s) < key(least)) least = s;
    }
    ASSERT_EQ(t.Find(id) != nullptr, model.count(id) == 1);
    Session* next = t.NextToExpire();
    ASSERT_EQ(next == nullptr, soonest == nullptr);
    if (next != nullptr) ASSERT_EQ(next->ExpiresAt(), soonest->ExpiresAt()) << step;
    ASSERT_EQ(t.LeastActive(), least) << step;
    if (step % 1000 == 0) {
      std::vector<Session*> walked;
      t.ForEach([&](const Session& s) { walked.push_back(t.Find(s.id())); });
      ASSERT_EQ(walked.size(), model.size());
      for (size_t i = 1; i < walked.size(); ++i) ASSERT_LT(key(walked[i - 1]), key(walked[i]));
    }
  }
  int64_t expected_bytes = 0;
  for (const auto& [mid, s] : model) expected_bytes += static_cast<int64_t>(s->MemoryBytes());
  EXPECT_EQ(t.memory_bytes(), expected_bytes);
}

TEST(SessionTest, CopiesOwnTheirText) {
  Session a = Make("a", "alice", 0);
  a.SetText("alice", "10.0.0.1", "agent", R"({"k":1})");
  Session b = a;
  a.set_data(R"({"k":2})");
  a.set_user("bob");
  EXPECT_EQ(b.user(), "alice");
  EXPECT_EQ(b.ip(), "10.0.0.1");
  EXPECT_EQ(b.user_agent(), "agent");
  EXPECT_EQ(b.data(), R"({"k":1})");
  EXPECT_EQ(a.user(), "bob");
  EXPECT_EQ(a.ip(), "10.0.0.1");
  EXPECT_EQ(a.data(), R"({"k":2})");
  EXPECT_FALSE(a.set_id(std::string(Session::kMaxIdLength + 1, 'x')));
  EXPECT_EQ(a.id(), "a");
  EXPECT_TRUE(a.set_id(std::string(Session::kMaxIdLength, 'x')));
  EXPECT_EQ(a.id().size(), Session::kMaxIdLength);
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
  s.SetText("user", "::1", "Mozilla/5.0", R"({"cart":[1,2,3]})");
  s.bind = kBindUa;
  s.last_active_ms += 42;
  std::string bytes;
  SerializeSession(s, &bytes);
  Session back;
  ASSERT_TRUE(DeserializeSession(bytes, &back));
  EXPECT_EQ(back.id(), s.id());
  EXPECT_EQ(back.user(), s.user());
  EXPECT_EQ(back.data(), s.data());
  EXPECT_EQ(back.ip(), s.ip());
  EXPECT_EQ(back.user_agent(), s.user_agent());
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
  Session long_id = s;
  std::string too_long;
  SerializeSession(long_id, &too_long);
  too_long[0] = static_cast<char>(Session::kMaxIdLength + 1);  // the id's length prefix
  too_long.insert(1, std::string(Session::kMaxIdLength + 1 - s.id().size(), 'x'));
  EXPECT_FALSE(DeserializeSession(too_long, &extra));
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
