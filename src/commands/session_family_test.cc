// Session commands on the fixture's fake clock: every rule of docs/sessions.md — rolling and
// absolute expiry, the per-user limit under both policies, binding, the index staying exact on
// every removal path (expiry, limit eviction, memory eviction, DESTROY, DESTROYALL, FLUSHALL),
// JSON validation, the logged replay forms, and a concurrent limit check.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;

// The id out of a SESSION.CREATE reply ("$32\r\n<id>\r\n").
std::string IdOf(const std::string& reply) {
  EXPECT_EQ(reply.substr(0, 5), "$32\r\n") << reply;
  return reply.size() >= 39 ? reply.substr(5, 32) : "";
}

std::string Create(F& f, std::vector<std::string> args) {
  args.insert(args.begin(), "session.create");
  return IdOf(f.Run(args));
}

TEST(SessionTest, CreateAndGetReturnEveryField) {
  F f;
  int64_t t0 = f.clock().NowMs();
  std::string id = Create(f, {"u1", "DATA", R"({"role":"admin"})", "TTL", "60", "MAXLIFETIME",
                              "3600", "IP", "10.0.0.1", "UA", "Firefox"});
  for (char c : id) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  f.clock().AdvanceMs(1000);
  std::string t1 = std::to_string(t0 + 1000);
  EXPECT_EQ(f.Run({"session.get", id}),
            "*22\r\n$2\r\nid\r\n" + F::Bulk(id) + "$4\r\nuser\r\n$2\r\nu1\r\n$4\r\ndata\r\n" +
                F::Bulk(R"({"role":"admin"})") + "$10\r\ncreated_at\r\n" + F::Int(t0) +
                "$14\r\nlast_active_at\r\n" + F::Int(t0 + 1000) + "$10\r\nexpires_at\r\n" +
                F::Int(t0 + 61000) + "$12\r\nidle_timeout\r\n:60\r\n$12\r\nmax_lifetime\r\n" +
                ":3600\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n$10\r\nuser_agent\r\n$7\r\nFirefox\r\n" +
                "$4\r\nbind\r\n$4\r\nnone\r\n");
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"session.get", id, "NOTOUCH"}).substr(0, 5), "%11\r\n");
  EXPECT_EQ(f.Run({"session.get", "nope"}), "_\r\n");
}

TEST(SessionTest, IdsAreUniqueAndUnguessableShape) {
  F f;
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(Create(f, {"u"}));
  EXPECT_EQ(ids.size(), 2000u);
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(2000));
}

TEST(SessionTest, DefaultsComeFromConfig) {
  F f;
  EXPECT_EQ(f.Run({"config", "set", "session-idle-timeout", "100", "session-max-lifetime", "0"}),
            F::kOk);
  std::string id = Create(f, {"u"});
  std::string reply = f.Run({"session.get", id});
  EXPECT_NE(reply.find("$12\r\nidle_timeout\r\n:100\r\n$12\r\nmax_lifetime\r\n:0\r\n"),
            std::string::npos)
      << reply;
  EXPECT_NE(reply.find("$4\r\ndata\r\n$2\r\n{}\r\n"), std::string::npos);
}

TEST(SessionTest, RollingIdleExpiry) {
  F f;
  std::string id = Create(f, {"u", "TTL", "10", "MAXLIFETIME", "0"});
  for (int i = 0; i < 5; ++i) {
    f.clock().AdvanceMs(9000);
    EXPECT_EQ(f.Run({"session.touch", id}), F::Int(1)) << i;  // 45 s alive, never 10 s idle
  }
  f.clock().AdvanceMs(9000);
  EXPECT_NE(f.Run({"session.get", id}), F::kNil);
  f.clock().AdvanceMs(9999);
  EXPECT_NE(f.Run({"session.get", id, "NOTOUCH"}), F::kNil);  // NOTOUCH does not extend
  f.clock().AdvanceMs(1);
  EXPECT_EQ(f.Run({"session.get", id}), F::kNil);
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(0));
  EXPECT_EQ(f.Run({"session.touch", id}), F::Int(0));
}

TEST(SessionTest, AbsoluteLifetimeCapsActivity) {
  F f;
  std::string id = Create(f, {"u", "TTL", "10", "MAXLIFETIME", "25"});
  f.clock().AdvanceMs(9000);
  EXPECT_EQ(f.Run({"session.touch", id}), F::Int(1));
  f.clock().AdvanceMs(9000);
  EXPECT_EQ(f.Run({"session.set", id, R"({"a":1})"}), F::Int(1));
  f.clock().AdvanceMs(6999);  // 24.999 s
  EXPECT_EQ(f.Run({"session.touch", id}), F::Int(1));
  f.clock().AdvanceMs(1);  // 25 s: gone however active
  EXPECT_EQ(f.Run({"session.get", id}), F::kNil);
}

TEST(SessionTest, ActiveExpiryCleansTheIndex) {
  F f;
  for (int i = 0; i < 100; ++i) Create(f, {"u" + std::to_string(i % 7), "TTL", "5"});
  std::string keep = Create(f, {"u0", "TTL", "50"});
  f.clock().AdvanceMs(6000);
  EXPECT_EQ(f.engine().sessions().ActiveExpire(1'000'000), 100u);
  SessionStats st = f.engine().sessions().Stats();
  EXPECT_EQ(st.sessions, 1u);
  EXPECT_EQ(st.users, 1u);  // u1..u6 left the user index with their last session
  EXPECT_EQ(st.expired, 100u);
  EXPECT_EQ(f.Run({"session.count", "u0"}), F::Int(1));
  EXPECT_EQ(f.Run({"session.list", "u3"}), "*0\r\n");
}

TEST(SessionTest, LimitEvictsLeastRecentlyActive) {
  F f;
  f.Run({"config", "set", "session-max-per-user", "3"});
  std::string a = Create(f, {"u"});
  f.clock().AdvanceMs(10);
  std::string b = Create(f, {"u"});
  f.clock().AdvanceMs(10);
  std::string c = Create(f, {"u"});
  f.clock().AdvanceMs(10);
  EXPECT_EQ(f.Run({"session.touch", a}), F::Int(1));  // b is now the least active
  std::string d = Create(f, {"u"});
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(3));
  EXPECT_EQ(f.Run({"session.get", b}), F::kNil);
  EXPECT_NE(f.Run({"session.get", a}), F::kNil);
  EXPECT_EQ(f.engine().sessions().Stats().evicted_by_limit, 1u);
  EXPECT_EQ(f.Run({"session.count", "other"}), F::Int(0));
  Create(f, {"other"});  // the limit is per user
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(3));
}

TEST(SessionTest, LimitRefusesWhenConfigured) {
  F f;
  f.Run({"config", "set", "session-max-per-user", "2", "session-limit-policy", "refuse"});
  std::string a = Create(f, {"u", "TTL", "5"});
  Create(f, {"u"});
  EXPECT_EQ(f.Run({"session.create", "u"}),
            F::Err("SESSIONLIMIT user has reached session-max-per-user"));
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(2));
  EXPECT_EQ(f.engine().sessions().Stats().refused_by_limit, 1u);
  f.clock().AdvanceMs(5000);  // an expired session does not count
  EXPECT_EQ(f.Run({"session.create", "u"}).substr(0, 5), "$32\r\n");
  EXPECT_EQ(f.Run({"session.get", a}), F::kNil);
}

TEST(SessionTest, BindingMismatchIsAMissAndCounted) {
  F f;
  std::string ip = Create(f, {"u", "IP", "1.2.3.4", "UA", "curl", "BIND", "ip"});
  std::string both = Create(f, {"u", "IP", "1.2.3.4", "UA", "curl", "BIND", "BOTH"});
  std::string none = Create(f, {"u", "IP", "1.2.3.4"});
  EXPECT_EQ(f.Run({"session.get", ip}), F::kNil);  // bound but nothing presented
  EXPECT_EQ(f.Run({"session.get", ip, "IP", "9.9.9.9"}), F::kNil);
  EXPECT_NE(f.Run({"session.get", ip, "IP", "1.2.3.4", "UA", "other"}), F::kNil);
  EXPECT_EQ(f.Run({"session.get", both, "IP", "1.2.3.4", "UA", "other"}), F::kNil);
  EXPECT_NE(f.Run({"session.get", both, "UA", "curl", "IP", "1.2.3.4"}), F::kNil);
  EXPECT_NE(f.Run({"session.get", none, "IP", "5.5.5.5"}), F::kNil);
  SessionStats st = f.engine().sessions().Stats();
  EXPECT_EQ(st.binding_mismatches, 3u);
  EXPECT_EQ(st.misses, 3u);
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(f.Run({"session.create", "u", "BIND", "ip"}),
            F::Err("ERR a session bound to IP or UA needs the IP or UA it is bound to"));
  EXPECT_EQ(f.Run({"session.create", "u", "BIND", "sometimes"}),
            F::Err("ERR BIND must be NONE, IP, UA or BOTH"));
}

TEST(SessionTest, DefaultBindingFromConfig) {
  F f;
  f.Run({"config", "set", "session-bind", "ua"});
  std::string id = Create(f, {"u", "UA", "Safari"});
  EXPECT_EQ(f.Run({"session.get", id, "UA", "Chrome"}), F::kNil);
  EXPECT_NE(f.Run({"session.get", id, "UA", "Safari"}), F::kNil);
}

TEST(SessionTest, DataIsValidatedAndNothingStoredOnError) {
  F f;
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", "{\"a\":"}).substr(0, 37),
            "-ERR session data is not valid JSON: ");
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", "[1,2]"}),
            F::Err("ERR session data must be a JSON object"));
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", "42"}),
            F::Err("ERR session data must be a JSON object"));
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", std::string(65, '[')}),
            F::Err("ERR session data must be a JSON object"));
  std::string deep = std::string("{\"a\":");
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1" + std::string(71, '}');
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", deep}),
            F::Err("ERR session data is nested deeper than 64 levels"));
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", "{\"a\":1} x"}).substr(0, 37),
            "-ERR session data is not valid JSON: ");
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", "{\"\xff\":1}"}).substr(0, 37),
            "-ERR session data is not valid JSON: ");
  f.Run({"config", "set", "session-max-data-size", "16"});
  EXPECT_EQ(f.Run({"session.create", "u", "DATA", R"({"aaaaaaaaaaaaaaaaaaaa":1})"}),
            F::Err("ERR session data is larger than session-max-data-size"));
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(0));
  std::string id = Create(f, {"u", "DATA", R"({"a": [1, 2]})"});
  EXPECT_EQ(f.Run({"session.set", id, "nope"}).substr(0, 37),
            "-ERR session data is not valid JSON: ");
  EXPECT_NE(f.Run({"session.get", id}).find(F::Bulk(R"({"a": [1, 2]})")), std::string::npos);
}

TEST(SessionTest, ArgumentErrors) {
  F f;
  EXPECT_EQ(f.Run({"session.create"}),
            F::Err("ERR wrong number of arguments for 'session.create' command"));
  EXPECT_EQ(f.Run({"session.create", ""}), F::Err("ERR session user must not be empty"));
  EXPECT_EQ(f.Run({"session.create", "u", "TTL"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.create", "u", "COLOR", "red"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.create", "u", "TTL", "abc"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"session.create", "u", "TTL", "0"}), F::Err("ERR invalid session TTL"));
  EXPECT_EQ(f.Run({"session.create", "u", "MAXLIFETIME", "-1"}), F::Err("ERR invalid session TTL"));
  EXPECT_EQ(f.Run({"session.create", std::string(600, 'u')}),
            F::Err("ERR session user, IP or user agent is too long"));
  EXPECT_EQ(f.Run({"session.get", "x", "IP"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.destroyall", "u", "BUT", "x"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.set", "x"}),
            F::Err("ERR wrong number of arguments for 'session.set' command"));
}

TEST(SessionTest, UnknownAndMalformedIdsAreMisses) {
  F f;
  std::string id = Create(f, {"u"});
  std::string other = id;
  other[0] = other[0] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {other, std::string("short"), std::string(32, '*'), id + "x", std::string()}) {
    EXPECT_EQ(f.Run({"session.get", bad}), F::kNil) << bad;
    EXPECT_EQ(f.Run({"session.set", bad, "{}"}), F::Int(0));
    EXPECT_EQ(f.Run({"session.touch", bad}), F::Int(0));
    EXPECT_EQ(f.Run({"session.destroy", bad}), F::Int(0));
  }
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(1));
}

TEST(SessionTest, DestroyAndDestroyAll) {
  F f;
  std::string a = Create(f, {"u"});
  std::string b = Create(f, {"u"});
  std::string c = Create(f, {"u"});
  std::string x = Create(f, {"v"});
  EXPECT_EQ(f.Run({"session.destroy", a}), F::Int(1));
  EXPECT_EQ(f.Run({"session.destroy", a}), F::Int(0));
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(2));
  EXPECT_EQ(f.Run({"session.destroyall", "u", "except", c}), F::Int(1));
  EXPECT_EQ(f.Run({"session.get", b}), F::kNil);
  EXPECT_NE(f.Run({"session.get", c}), F::kNil);
  EXPECT_EQ(f.Run({"session.destroyall", "u"}), F::Int(1));
  EXPECT_EQ(f.Run({"session.destroyall", "u"}), F::Int(0));
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(0));
  EXPECT_EQ(f.Run({"session.count", "v"}), F::Int(1));
  EXPECT_EQ(f.engine().sessions().Stats().users, 1u);
  EXPECT_NE(f.Run({"session.get", x}), F::kNil);
}

TEST(SessionTest, ListIsMostRecentlyActiveFirst) {
  F f;
  std::string a = Create(f, {"u", "UA", "a"});
  f.clock().AdvanceMs(5);
  std::string b = Create(f, {"u", "UA", "b"});
  f.clock().AdvanceMs(5);
  std::string c = Create(f, {"u", "UA", "c"});
  f.clock().AdvanceMs(5);
  f.Run({"session.touch", a});
  std::string list = f.Run({"session.list", "u"});
  ASSERT_EQ(list.substr(0, 4), "*3\r\n");
  size_t pa = list.find(a), pb = list.find(b), pc = list.find(c);
  EXPECT_LT(pa, pc);
  EXPECT_LT(pc, pb);
  f.clock().AdvanceMs(1000);
  std::string again = f.Run({"session.list", "u"});  // LIST does not touch
  EXPECT_EQ(again, list);
}

TEST(SessionTest, FlushAllClearsSessionsFlushDbDoesNot) {
  F f;
  std::string id = Create(f, {"u"});
  f.Run({"set", "k", "v"});
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(1));  // sessions are not keys
  EXPECT_EQ(f.Run({"flushdb"}), F::kOk);
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(1));
  EXPECT_EQ(f.Run({"flushall"}), F::kOk);
  EXPECT_EQ(f.Run({"session.count", "u"}), F::Int(0));
  EXPECT_EQ(f.Run({"session.get", id}), F::kNil);
  SessionStats st = f.engine().sessions().Stats();
  EXPECT_EQ(st.sessions, 0u);
  EXPECT_EQ(st.users, 0u);
  EXPECT_EQ(st.memory_bytes, 0);
}

TEST(SessionTest, MemoryIsChargedAndReleased) {
  F f;
  int64_t before = f.engine().DatasetBytes();
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(Create(f, {"u", "DATA", R"({"k":"0123456789"})"}));
  int64_t grown = f.engine().DatasetBytes() - before;
  EXPECT_GT(grown, 100 * 200);
  EXPECT_EQ(grown, f.engine().sessions().Stats().memory_bytes);
  f.Run({"session.destroyall", "u"});
  EXPECT_EQ(f.engine().DatasetBytes(), before);
}

TEST(SessionTest, MemoryPressureEvictsCacheKeysBeforeSessions) {
  F f;
  f.engine().set_policy(EvictionPolicy::kAllKeysLru);
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.push_back(Create(f, {"u" + std::to_string(i)}));
    f.clock().AdvanceMs(1);
  }
  f.Run({"session.touch", ids[0]});  // ids[1] is now the least recently active
  for (int i = 0; i < 200; ++i) f.Run({"set", "key" + std::to_string(i), std::string(100, 'x')});
  // A limit that evicting some of the keys meets: no session may go.
  f.engine().set_maxmemory(f.engine().UsedMemory() - 10000);
  EXPECT_TRUE(f.engine().EvictIfNeeded());
  EXPECT_EQ(f.engine().sessions().Stats().sessions, 50u);
  EXPECT_GT(f.engine().Totals().evicted_keys, 0u);
  f.Run({"flushdb"});
  f.engine().set_maxmemory(f.engine().UsedMemory() -
                           f.engine().sessions().Stats().memory_bytes / 2);
  EXPECT_TRUE(f.engine().EvictIfNeeded());  // no keys left: sessions go, least active first
  SessionStats st = f.engine().sessions().Stats();
  EXPECT_LT(st.sessions, 50u);
  EXPECT_GT(st.evicted_by_memory, 0u);
  EXPECT_EQ(f.Run({"session.get", ids[1]}), F::kNil);
  EXPECT_EQ(f.Run({"session.count", "u1"}), F::Int(0));
  EXPECT_NE(f.Run({"session.get", ids[0]}), F::kNil);
}

TEST(SessionTest, NoEvictionRefusesCreateWhenFull) {
  F f;
  Create(f, {"u"});
  f.engine().set_maxmemory(1);
  EXPECT_EQ(f.Run({"session.create", "u"}),
            F::Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(f.engine().sessions().Stats().sessions, 1u);
}

TEST(SessionTest, ChangesAreLoggedInReplayableForm) {
  F f;
  RecordingLog log;
  f.engine().set_command_log(&log);
  f.server().command_log.store(&log);
  int64_t t0 = f.clock().NowMs();
  std::string id = Create(f, {"u", "DATA", R"({"a":1})", "TTL", "60", "MAXLIFETIME", "600", "IP",
                              "1.1.1.1", "BIND", "ip"});
  f.clock().AdvanceMs(7);
  f.Run({"session.get", id, "IP", "1.1.1.1"});
  f.Run({"session.get", id, "NOTOUCH", "IP", "1.1.1.1"});
  f.Run({"session.destroyall", "u", "EXCEPT", id});  // nothing removed: nothing logged
  f.Run({"session.destroy", id});
  ASSERT_EQ(log.records.size(), 3u);
  EXPECT_EQ(log.records[0], "SESSION.RESTORE " + id + " u " + std::to_string(t0) + " " +
                                std::to_string(t0) + " 60000 600000 ip 1.1.1.1  {\"a\":1}");
  EXPECT_EQ(log.records[1], "SESSION.TOUCHAT " + id + " " + std::to_string(t0 + 7));
  EXPECT_EQ(log.records[2], "SESSION.DESTROY " + id);
  f.engine().set_command_log(nullptr);
  f.server().command_log.store(nullptr);
}

TEST(SessionTest, RestoreAndTouchAtRebuildExactly) {
  F f;
  int64_t now = f.clock().NowMs();
  std::string id(32, 'Q');
  EXPECT_EQ(f.Run({"session.restore", id, "u", std::to_string(now - 5000),
                   std::to_string(now - 1000), "60000", "0", "ua", "", "agent", "{}"}),
            F::kOk);
  EXPECT_EQ(f.Run({"session.touchat", id, std::to_string(now - 500)}), F::Int(1));
  std::string reply = f.Run({"session.get", id, "UA", "agent", "NOTOUCH"});
  EXPECT_NE(reply.find("$14\r\nlast_active_at\r\n" + F::Int(now - 500)), std::string::npos);
  EXPECT_NE(reply.find("$10\r\nexpires_at\r\n" + F::Int(now + 59500)), std::string::npos);
  EXPECT_EQ(f.Run({"session.restore", "short", "u", "1", "1", "1", "0", "none", "", "", "{}"}),
            F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.restore", std::string(32, '*'), "u", "1", "1", "1", "0", "none", "", "",
                   "{}"}),
            F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"session.restore", id, std::string(513, 'u'), "1", "1", "1", "0", "none", "", "",
                   "{}"}),
            F::Err("ERR session user, IP or user agent is too long"));
  EXPECT_EQ(f.Run({"session.restore", id, "u", "1", "1", "0", "0", "none", "", "", "{}"}),
            F::Err("ERR invalid session TTL"));
  EXPECT_EQ(f.Run({"session.restore", id, "u", "1", "1", "1", "0", "none", "", "", "[]"}),
            F::Err("ERR session data must be a JSON object"));
}

TEST(SessionTest, CommandsRunInsideExec) {
  F f;
  EXPECT_EQ(f.Run({"multi"}), F::kOk);
  EXPECT_EQ(f.Run({"session.create", "u"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"session.count", "u"}), "+QUEUED\r\n");
  std::string reply = f.Run({"exec"});
  EXPECT_EQ(reply.substr(0, 9), "*2\r\n$32\r\n");
  EXPECT_EQ(reply.substr(reply.size() - 4), ":1\r\n");
}

TEST(SessionTest, ConcurrentCreatesNeverExceedTheLimit) {
  for (bool refuse : {false, true}) {
    F f;
    SessionStore& store = f.engine().sessions();
    store.set_max_per_user(5);
    store.set_refuse_over_limit(refuse);
    std::atomic<bool> over{false};
    std::atomic<int> succeeded{0};
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done.load()) {
        if (store.Count("u") > 5 || store.List("u").size() > 5) over.store(true);
      }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          SessionRequest r;
          r.user = "u";
          if (store.Create(r).ok()) succeeded.fetch_add(1);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    done.store(true);
    watcher.join();
    EXPECT_FALSE(over.load());
    EXPECT_EQ(store.Count("u"), 5u);
    EXPECT_EQ(succeeded.load(), refuse ? 5 : 1600);
    EXPECT_EQ(store.Stats().evicted_by_limit, refuse ? 0u : 1595u);
  }
}

}  // namespace
}  // namespace cachet
