// Namespaces through the command fixture: longest-prefix attribution, counters that follow
// every insertion and removal path (overwrite, DEL, lazy and active expiry, eviction, RENAME,
// FLUSHDB, FLUSHALL, container growth), recounting when namespaces change, hits and misses,
// default TTLs (and their PEXPIREAT log record), latency, and errors.
#include <gtest/gtest.h>

#include "commands/namespace_report.h"
#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;

NamespaceCounters Counters(F& f, const std::string& name) {
  for (const NamespaceReport& r : NamespaceReports(f.engine())) {
    if (r.spec.name == name) return r.counters;
  }
  ADD_FAILURE() << "no namespace " << name;
  return {};
}

// The sum of TotalBytes of the keys of db 0 whose name starts with prefix.
int64_t BytesUnder(F& f, const std::string& prefix) {
  int64_t sum = 0;
  f.engine().ForEachKey(0, [&](const Entry* e) {
    if (e->key().substr(0, prefix.size()) == prefix) sum += static_cast<int64_t>(e->TotalBytes());
  });
  return sum;
}

TEST(NamespaceTest, SetListDelAndErrors) {
  F f;
  EXPECT_EQ(f.Run({"namespace.set", "user", "prefix", "user:", "ttl", "300", "stale", "30", "beta",
                   "1.5", "compress-above", "1024"}),
            F::kOk);
  std::string list = f.Run({"namespace.list"});
  EXPECT_NE(list.find("$4\r\nuser\r\n$6\r\nprefix\r\n$5\r\nuser:\r\n$3\r\nttl\r\n:300\r\n"),
            std::string::npos)
      << list;
  EXPECT_EQ(f.Run({"namespace.set", "other", "prefix", "user:"}),
            F::Err("ERR prefix 'user:' already belongs to namespace 'user'"));
  EXPECT_EQ(f.Run({"namespace.set", "x", "ttl", "1"}),
            F::Err("ERR namespace 'x' needs a prefix of at most 1024 bytes"));
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:", "ttl", "-1"}),
            F::Err("ERR namespace ttl must be a whole number of seconds (0 = none)"));
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:", "color", "red"}),
            F::Err("ERR unknown namespace option 'color'"));
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:", "ttl"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"multi"}), F::kOk);  // changes recount under every shard lock in turn
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:"}),
            F::Err("ERR Command not allowed inside a transaction"));
  EXPECT_EQ(f.Run({"namespace.list"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"discard"}), F::kOk);
  EXPECT_EQ(f.Run({"namespace.del", "user"}), F::Int(1));
  EXPECT_EQ(f.Run({"namespace.del", "user"}), F::Int(0));
  EXPECT_EQ(f.Run({"namespace.list"}), "*0\r\n");
  EXPECT_EQ(f.Run({"namespace.stats", "user"}), F::kNil);
}

TEST(NamespaceTest, CountersFollowEveryPath) {
  F f;
  f.Run({"namespace.set", "user", "prefix", "user:"});
  f.Run({"set", "user:1", "a"});
  f.Run({"set", "user:2", "b"});
  f.Run({"set", "other", "c"});
  EXPECT_EQ(Counters(f, "user").keys, 2);
  EXPECT_EQ(Counters(f, "user").memory, BytesUnder(f, "user:"));
  f.Run({"set", "user:1", std::string(500, 'x')});     // overwrite, larger
  f.Run({"append", "user:2", std::string(300, 'y')});  // in-place growth
  EXPECT_EQ(Counters(f, "user").keys, 2);
  EXPECT_EQ(Counters(f, "user").memory, BytesUnder(f, "user:"));
  f.Run({"hset", "user:h", "f", "v"});
  for (int i = 0; i < 200; ++i) f.Run({"hset", "user:h", "f" + std::to_string(i), "v"});
  EXPECT_EQ(Counters(f, "user").keys, 3);
  EXPECT_EQ(Counters(f, "user").memory, BytesUnder(f, "user:"));
  f.Run({"del", "user:h"});
  f.Run({"rename", "user:2", "moved"});  // leaves the namespace
  f.Run({"rename", "other", "user:3"});  // enters it
  EXPECT_EQ(Counters(f, "user").keys, 2);
  EXPECT_EQ(Counters(f, "user").memory, BytesUnder(f, "user:"));
  f.Run({"pexpire", "user:1", "100"});
  f.clock().AdvanceMs(200);
  EXPECT_EQ(f.Run({"get", "user:1"}), F::kNil);  // lazy expiry
  EXPECT_EQ(Counters(f, "user").expired, 1u);
  f.Run({"set", "user:4", "v", "PX", "100"});
  f.clock().AdvanceMs(200);
  f.engine().ActiveExpire(0, 1, 1'000'000);
  NamespaceCounters c = Counters(f, "user");
  EXPECT_EQ(c.expired, 2u);
  EXPECT_EQ(c.keys, 1);
  EXPECT_EQ(c.memory, BytesUnder(f, "user:"));
  f.Run({"select", "2"});
  f.Run({"set", "user:9", "v"});
  f.Run({"select", "0"});
  EXPECT_EQ(Counters(f, "user").keys, 2);  // counted over every database
  f.Run({"flushdb"});                      // db 0 only
  EXPECT_EQ(Counters(f, "user").keys, 1);
  f.Run({"flushall"});
  c = Counters(f, "user");
  EXPECT_EQ(c.keys, 0);
  EXPECT_EQ(c.memory, 0);
}

TEST(NamespaceTest, EvictionsAreCounted) {
  F f;
  f.Run({"namespace.set", "c", "prefix", "c:"});
  f.engine().set_policy(EvictionPolicy::kAllKeysLru);
  for (int i = 0; i < 100; ++i) f.Run({"set", "c:" + std::to_string(i), std::string(100, 'x')});
  f.engine().set_maxmemory(f.engine().UsedMemory() - 5000);
  EXPECT_TRUE(f.engine().EvictIfNeeded());
  NamespaceCounters c = Counters(f, "c");
  EXPECT_GT(c.evicted, 0u);
  EXPECT_EQ(c.keys, 100 - static_cast<int64_t>(c.evicted));
  EXPECT_EQ(c.memory, BytesUnder(f, "c:"));
}

TEST(NamespaceTest, LongestPrefixAndRecountingOnChange) {
  F f;
  f.Run({"set", "user:1", "a"});
  f.Run({"set", "user:vip:1", "b"});
  f.Run({"set", "user:vip:2", "c"});
  f.Run({"namespace.set", "user", "prefix", "user:"});  // existing keys are counted
  EXPECT_EQ(Counters(f, "user").keys, 3);
  f.Run({"namespace.set", "vip", "prefix", "user:vip:"});  // takes its keys from "user"
  EXPECT_EQ(Counters(f, "user").keys, 1);
  EXPECT_EQ(Counters(f, "vip").keys, 2);
  EXPECT_EQ(Counters(f, "vip").memory, BytesUnder(f, "user:vip:"));
  f.Run({"namespace.del", "vip"});  // and gives them back
  EXPECT_EQ(Counters(f, "user").keys, 3);
  EXPECT_EQ(Counters(f, "user").memory, BytesUnder(f, "user:"));
}

TEST(NamespaceTest, HitsMissesAndLatency) {
  F f;
  f.Run({"namespace.set", "p", "prefix", "p:"});
  f.Run({"set", "p:1", "v"});
  f.Run({"get", "p:1"});
  f.Run({"get", "p:1"});
  f.Run({"get", "p:missing"});
  f.Run({"get", "elsewhere"});
  NamespaceCounters c = Counters(f, "p");
  EXPECT_EQ(c.hits, 2u);
  EXPECT_EQ(c.misses, 1u);
  std::string stats = f.Run({"namespace.stats", "p"});
  EXPECT_NE(stats.find("$8\r\nhit_rate\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("$5\r\ncalls\r\n:4\r\n"), std::string::npos) << stats;  // SET + 3 GETs
  f.Run({"namespace.set", "p", "prefix", "p:", "ttl", "10"});  // an edit keeps the history
  EXPECT_EQ(Counters(f, "p").hits, 2u);
  f.Run({"namespace.del", "p"});
  f.Run({"namespace.set", "p", "prefix", "p:"});  // a new namespace starts from zero
  EXPECT_EQ(Counters(f, "p").hits, 0u);
  EXPECT_NE(f.Run({"namespace.stats", "p"}).find("$5\r\ncalls\r\n:0\r\n"), std::string::npos);
}

TEST(NamespaceTest, DefaultTtlForWritesThatGiveNone) {
  F f;
  f.Run({"namespace.set", "s", "prefix", "s:", "ttl", "60"});
  RecordingLog log;
  f.engine().set_command_log(&log);
  f.server().command_log.store(&log);
  f.Run({"set", "s:a", "v"});
  EXPECT_EQ(f.Run({"ttl", "s:a"}), F::Int(60));
  f.Run({"set", "s:b", "v", "EX", "5"});
  EXPECT_EQ(f.Run({"ttl", "s:b"}), F::Int(5));  // an explicit TTL wins
  f.Run({"set", "s:b", "w", "KEEPTTL"});
  EXPECT_EQ(f.Run({"ttl", "s:b"}), F::Int(5));
  f.Run({"hset", "s:h", "f", "v"});  // a new aggregate gets it too
  EXPECT_EQ(f.Run({"ttl", "s:h"}), F::Int(60));
  f.Run({"set", "plain", "v"});
  EXPECT_EQ(f.Run({"ttl", "plain"}), F::Int(-1));
  int64_t at = f.clock().NowMs() + 60000;
  ASSERT_GE(log.records.size(), 2u);
  EXPECT_EQ(log.records[0], "SET s:a v");
  EXPECT_EQ(log.records[1], "PEXPIREAT s:a " + std::to_string(at));
  f.engine().set_command_log(nullptr);
  f.server().command_log.store(nullptr);
}

}  // namespace
}  // namespace cachet
