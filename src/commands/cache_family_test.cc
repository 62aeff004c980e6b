// CACHE.FETCH / CACHE.FILL through the command fixture, on the fake clock: hit, miss and fill,
// one lease per key, voiding by writes, deletes and flushes, lease expiry and hand-over, a
// holder that disconnects, stale serving inside the window only, XFetch early refresh, waiting
// and being served by a fill, MULTI/EXEC, the append-only log form, stats and errors.
// The fixture has one connection; tests play another client by changing client().id.
#include <gtest/gtest.h>

#include "commands/errors.h"
#include "commands/lease_wait.h"
#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;

struct Fetch {
  std::string status;
  std::string value;  // "(nil)" for nil
  std::string token;  // "" for nil
};

// Decodes a [status, bulk-or-nil, bulk-or-nil] reply; status "ERR..." holds an error line.
Fetch Decode(const std::string& reply) {
  Fetch f;
  if (reply.rfind("-", 0) == 0) {
    f.status = reply.substr(1, reply.size() - 3);
    return f;
  }
  size_t pos = 0;
  auto line = [&] {
    size_t end = reply.find("\r\n", pos);
    std::string s = reply.substr(pos, end - pos);
    pos = end + 2;
    return s;
  };
  auto bulk = [&]() -> std::string {
    std::string header = line();
    if (header == "$-1") return "(nil)";
    size_t n = std::stoul(header.substr(1));
    std::string s = reply.substr(pos, n);
    pos += n + 2;
    return s;
  };
  EXPECT_EQ(line(), "*3") << reply;
  f.status = line().substr(1);
  f.value = bulk();
  std::string token = bulk();
  f.token = token == "(nil)" ? "" : token;
  return f;
}

Fetch FetchAs(F& f, uint64_t client, std::vector<std::string> args) {
  uint64_t saved = f.client().id;
  f.client().id = client;
  args.insert(args.begin(), "cache.fetch");
  Fetch out = Decode(f.Run(args));
  f.client().id = saved;
  return out;
}

int64_t Stat(F& f, const std::string& name) {
  std::string info = f.Run({"info", "leases"});
  size_t at = info.find(name + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + name.size() + 1));
}

TEST(CacheTest, MissFillHit) {
  F f;
  Fetch miss = FetchAs(f, 1, {"k"});
  EXPECT_EQ(miss.status, "MISS");
  EXPECT_EQ(miss.value, "(nil)");
  EXPECT_EQ(miss.token.size(), 32u);
  EXPECT_EQ(f.Run({"cache.fill", "k", miss.token, "v", "EX", "100"}), F::kOk);
  Fetch hit = FetchAs(f, 2, {"k"});
  EXPECT_EQ(hit.status, "HIT");
  EXPECT_EQ(hit.value, "v");
  EXPECT_EQ(hit.token, "");
  EXPECT_EQ(f.Run({"ttl", "k"}), F::Int(100));
  // A token serves once.
  EXPECT_EQ(f.Run({"cache.fill", "k", miss.token, "w"}), F::Err(errors::kLeaseInvalid));
  EXPECT_EQ(f.Run({"get", "k"}), F::Bulk("v"));
  EXPECT_EQ(Stat(f, "leases_granted"), 1);
  EXPECT_EQ(Stat(f, "leases_filled"), 1);
  EXPECT_EQ(Stat(f, "leases_fill_refused"), 1);
  EXPECT_EQ(Stat(f, "leases_active"), 0);
}

TEST(CacheTest, FillWithTagsAndInvalidationsBetweenLeaseAndFill) {
  F f;
  Fetch a = FetchAs(f, 1, {"k"});
  EXPECT_EQ(f.Run({"cache.fill", "k", a.token, "v", "PX", "5000", "TAGS", "t", "u"}), F::kOk);
  EXPECT_EQ(f.Run({"tag.keys", "u"}), "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(f.Run({"pttl", "k"}), F::Int(5000));
  // A tag invalidated after the grant refuses the fill that would carry it; another tag's
  // invalidation does not.
  Fetch b = FetchAs(f, 1, {"k2"});
  f.Run({"tag.invalidate", "t"});
  EXPECT_EQ(f.Run({"cache.fill", "k2", b.token, "v", "TAGS", "t"}), F::Err(errors::kLeaseInvalid));
  Fetch c = FetchAs(f, 1, {"k2"});
  EXPECT_EQ(c.status, "MISS");
  f.Run({"tag.invalidate", "other"});
  EXPECT_EQ(f.Run({"cache.fill", "k2", c.token, "v", "TAGS", "t"}), F::kOk);
  // INVALIDATE PATTERN voids leases under the pattern, not others.
  Fetch d = FetchAs(f, 1, {"user:1:feed"});
  Fetch e = FetchAs(f, 1, {"user:2:feed"});
  EXPECT_EQ(f.Run({"invalidate", "pattern", "user:1:*"}), F::Int(0));
  EXPECT_EQ(f.Run({"cache.fill", "user:1:feed", d.token, "v"}), F::Err(errors::kLeaseInvalid));
  EXPECT_EQ(f.Run({"cache.fill", "user:2:feed", e.token, "v"}), F::kOk);
  EXPECT_EQ(f.Run({"cache.fill", "k3", "tok", "v", "TAGS"}), F::Err(errors::kTagsNeedOne));
  EXPECT_EQ(f.Run({"cache.fill", "k3", "tok", "v", "EX", "5", "bogus"}), F::Err(errors::kSyntax));
}

TEST(CacheTest, InvalidatePatternDropsStaleCopies) {
  F f;
  f.Run({"namespace.set", "c", "prefix", "c:", "stale", "60"});
  f.Run({"set", "c:1", "old", "px", "100"});
  f.clock().AdvanceMs(200);
  EXPECT_EQ(FetchAs(f, 1, {"c:1"}).status, "STALE");
  EXPECT_EQ(f.Run({"invalidate", "pattern", "c:*"}), F::Int(0));
  EXPECT_EQ(FetchAs(f, 2, {"c:1"}).status, "MISS");  // no stale value after the invalidation
}

TEST(CacheTest, OneLeasePerKey) {
  F f;
  Fetch first = FetchAs(f, 2, {"k"});
  ASSERT_EQ(first.status, "MISS");
  Fetch other = FetchAs(f, 3, {"k"});
  EXPECT_EQ(other.status, "LOCKED");
  EXPECT_EQ(other.token, "");
  Fetch again = FetchAs(f, 2, {"k"});  // the holder asking again gets its own token back
  EXPECT_EQ(again.status, "MISS");
  EXPECT_EQ(again.token, first.token);
  EXPECT_EQ(FetchAs(f, 3, {"other"}).status, "MISS");  // leases are per key
  f.Run({"select", "1"});
  EXPECT_EQ(FetchAs(f, 3, {"k"}).status, "MISS");  // and per database
  EXPECT_EQ(Stat(f, "leases_active"), 3);
}

TEST(CacheTest, WritesDeletesAndFlushesVoidTheToken) {
  F f;
  for (std::vector<std::string> write : std::vector<std::vector<std::string>>{{"del", "k"},
                                                                              {"unlink", "k"},
                                                                              {"set", "k", "x"},
                                                                              {"flushall"},
                                                                              {"flushdb"},
                                                                              {"lpush", "k", "a"},
                                                                              {"incr", "k"}}) {
    f.Run({"flushall"});
    Fetch miss = FetchAs(f, 2, {"k"});
    ASSERT_EQ(miss.status, "MISS");
    f.Run(write);
    EXPECT_EQ(f.Run({"cache.fill", "k", miss.token, "v"}), F::Err(errors::kLeaseInvalid))
        << write[0];
    // The next caller gets a new lease at once, or the value written.
    std::string next = FetchAs(f, 3, {"k"}).status;
    if (write[0] == "set" || write[0] == "incr") {
      EXPECT_EQ(next, "HIT");
    } else if (write[0] == "lpush") {
      EXPECT_EQ(next, errors::kWrongType);
    } else {
      EXPECT_EQ(next, "MISS") << write[0];
    }
  }
}

TEST(CacheTest, VoidThenNextCallerLeases) {
  F f;
  Fetch miss = FetchAs(f, 2, {"k"});
  f.Run({"del", "k"});
  Fetch next = FetchAs(f, 3, {"k"});
  EXPECT_EQ(next.status, "MISS");
  EXPECT_NE(next.token, miss.token);
  EXPECT_EQ(f.Run({"cache.fill", "k", next.token, "fresh"}), F::kOk);
  EXPECT_EQ(Stat(f, "leases_voided"), 1);
  // A rename onto the key and an EXPIRE void a refresh lease as well.
  ASSERT_EQ(f.Run({"namespace.set", "n", "prefix", "n:", "beta", "100"}), F::kOk);
  Fetch m = FetchAs(f, 2, {"n:k"});
  f.clock().AdvanceMs(50);
  ASSERT_EQ(f.Run({"cache.fill", "n:k", m.token, "v", "PX", "1000"}), F::kOk);
  f.clock().AdvanceMs(999);
  Fetch refresh = FetchAs(f, 2, {"n:k"});
  ASSERT_EQ(refresh.status, "REFRESH");
  f.Run({"pexpire", "n:k", "5000"});
  EXPECT_EQ(f.Run({"cache.fill", "n:k", refresh.token, "w"}), F::Err(errors::kLeaseInvalid));
}

TEST(CacheTest, ExpiredLeaseIsHandedOver) {
  F f;
  Fetch dead = FetchAs(f, 2, {"k", "LEASE", "1000"});
  ASSERT_EQ(dead.status, "MISS");
  f.clock().AdvanceMs(999);
  EXPECT_EQ(FetchAs(f, 3, {"k"}).status, "LOCKED");
  f.clock().AdvanceMs(1);
  Fetch next = FetchAs(f, 3, {"k"});
  EXPECT_EQ(next.status, "MISS");
  EXPECT_NE(next.token, dead.token);
  EXPECT_EQ(f.Run({"cache.fill", "k", dead.token, "late"}), F::Err(errors::kLeaseInvalid));
  EXPECT_EQ(f.Run({"cache.fill", "k", next.token, "v"}), F::kOk);
  EXPECT_EQ(Stat(f, "leases_expired"), 1);
}

TEST(CacheTest, DefaultLeaseComesFromTheOption) {
  F f;
  EXPECT_EQ(f.Run({"config", "set", "lease-timeout", "200"}), F::kOk);
  FetchAs(f, 2, {"k"});
  f.clock().AdvanceMs(200);
  EXPECT_EQ(FetchAs(f, 3, {"k"}).status, "MISS");
}

TEST(CacheTest, DisconnectedHolderReleasesItsLeases) {
  F f;
  Fetch held = FetchAs(f, 2, {"a"});
  FetchAs(f, 2, {"b"});
  ReleaseClientLeases(f.server(), 2);
  EXPECT_EQ(FetchAs(f, 3, {"a"}).status, "MISS");
  EXPECT_EQ(FetchAs(f, 3, {"b"}).status, "MISS");
  EXPECT_EQ(f.Run({"cache.fill", "a", held.token, "v"}), F::Err(errors::kLeaseInvalid));
  EXPECT_EQ(Stat(f, "leases_released"), 2);
}

TEST(CacheTest, StaleInsideTheWindowOnly) {
  F f;
  ASSERT_EQ(f.Run({"namespace.set", "page", "prefix", "page:", "stale", "10"}), F::kOk);
  f.Run({"set", "page:1", "old", "PX", "1000"});
  f.clock().AdvanceMs(1001);
  // Redis commands see the key gone.
  EXPECT_EQ(f.Run({"get", "page:1"}), F::kNil);
  EXPECT_EQ(f.Run({"exists", "page:1"}), F::Int(0));
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(0));
  EXPECT_EQ(f.Run({"ttl", "page:1"}), F::Int(-2));
  EXPECT_EQ(Stat(f, "stale_keys"), 1);
  int64_t stale_bytes = Stat(f, "stale_bytes");
  EXPECT_GT(stale_bytes, 0);
  EXPECT_GE(f.engine().DatasetBytes(), stale_bytes);  // the copy stays charged
  int64_t charged = f.engine().DatasetBytes();
  // The first caller gets the stale value and the lease, the others the value alone.
  Fetch first = FetchAs(f, 2, {"page:1", "WAIT", "1000"});
  EXPECT_EQ(first.status, "STALE");
  EXPECT_EQ(first.value, "old");
  EXPECT_EQ(first.token.size(), 32u);
  Fetch second = FetchAs(f, 3, {"page:1", "WAIT", "1000"});  // no waiting for stale readers
  EXPECT_EQ(second.status, "STALE");
  EXPECT_EQ(second.value, "old");
  EXPECT_EQ(second.token, "");
  EXPECT_EQ(f.blocking().size(), 0u);
  EXPECT_EQ(f.Run({"cache.fill", "page:1", first.token, "new", "PX", "1000"}), F::kOk);
  EXPECT_EQ(FetchAs(f, 3, {"page:1"}).value, "new");
  EXPECT_EQ(Stat(f, "stale_keys"), 0);
  f.clock().AdvanceMs(1001);
  f.engine().ActiveExpire(0, 1, 1000000);  // stashed again, then freed below
  EXPECT_EQ(f.engine().DatasetBytes(), charged);
  EXPECT_EQ(Stat(f, "stale_served"), 2);

  // After the window: a plain miss, and the copy's memory is given back.
  f.clock().AdvanceMs(10000);
  EXPECT_EQ(FetchAs(f, 3, {"page:1"}).status, "MISS");
  EXPECT_EQ(Stat(f, "stale_keys"), 0);
  EXPECT_EQ(f.engine().DatasetBytes(), charged - stale_bytes);
}

TEST(CacheTest, StaleCopiesGoWithWritesExpiryCycleAndFlush) {
  F f;
  ASSERT_EQ(f.Run({"namespace.set", "page", "prefix", "page:", "stale", "10"}), F::kOk);
  int64_t empty_bytes = f.engine().DatasetBytes();
  f.Run({"set", "page:1", "a", "PX", "100"});
  f.Run({"set", "page:2", "b", "PX", "100"});
  f.Run({"set", "page:3", "c", "PX", "100"});
  f.Run({"set", "other", "d", "PX", "100"});
  f.clock().AdvanceMs(101);
  f.engine().ActiveExpire(0, 1, 1000000);  // the active cycle stashes as lazy expiry does
  EXPECT_EQ(Stat(f, "stale_keys"), 3);
  EXPECT_EQ(f.Run({"del", "page:1"}), F::Int(0));  // nothing live, yet the copy goes
  EXPECT_EQ(FetchAs(f, 2, {"page:1"}).status, "MISS");
  f.Run({"set", "page:5", "f", "PX", "100"});
  f.clock().AdvanceMs(101);
  EXPECT_EQ(f.Run({"del", "page:5"}), F::Int(0));  // expired, not yet removed: DEL stashes nothing
  EXPECT_EQ(FetchAs(f, 2, {"page:5"}).status, "MISS");
  EXPECT_EQ(FetchAs(f, 2, {"page:2"}).status, "STALE");
  EXPECT_EQ(FetchAs(f, 2, {"other"}).status, "MISS");  // no stale window outside namespaces
  f.clock().AdvanceMs(10000);
  f.engine().ActiveExpire(0, 1, 1000000);  // the window ended: freed
  EXPECT_EQ(Stat(f, "stale_keys"), 0);
  f.Run({"set", "page:4", "e", "PX", "100"});
  f.clock().AdvanceMs(101);
  EXPECT_EQ(f.Run({"get", "page:4"}), F::kNil);  // lazy expiry stashes
  EXPECT_EQ(Stat(f, "stale_keys"), 1);
  f.Run({"flushall"});
  EXPECT_EQ(Stat(f, "stale_keys"), 0);
  EXPECT_EQ(Stat(f, "stale_bytes"), 0);
  EXPECT_EQ(f.engine().DatasetBytes(), empty_bytes);
}

TEST(CacheTest, EvictionTakesStaleCopiesFirst) {
  F f;
  ASSERT_EQ(f.Run({"namespace.set", "page", "prefix", "page:", "stale", "100"}), F::kOk);
  std::string big(10000, 'x');
  for (int i = 0; i < 20; ++i) f.Run({"set", "page:" + std::to_string(i), big, "PX", "100"});
  f.Run({"set", "live", big});
  f.clock().AdvanceMs(101);
  f.engine().ActiveExpire(0, 1, 1000000);
  ASSERT_EQ(Stat(f, "stale_keys"), 20);
  f.engine().set_maxmemory(f.engine().UsedMemory() - 50000);
  f.engine().set_policy(EvictionPolicy::kAllKeysLru);
  EXPECT_TRUE(f.engine().EvictIfNeeded());
  EXPECT_LT(Stat(f, "stale_keys"), 20);
  EXPECT_EQ(f.Run({"exists", "live"}), F::Int(1));
  EXPECT_EQ(f.Run({"info", "stats"}).find("evicted_keys:0\r\n") != std::string::npos, true);
  f.engine().set_maxmemory(0);
}

TEST(CacheTest, XFetchRefreshesEarlyWithMeasuredDelta) {
  F f;
  ASSERT_EQ(f.Run({"namespace.set", "hot", "prefix", "hot:", "beta", "1"}), F::kOk);
  Fetch miss = FetchAs(f, 2, {"hot:k"});
  f.clock().AdvanceMs(100);  // the load took 100 ms
  ASSERT_EQ(f.Run({"cache.fill", "hot:k", miss.token, "v", "EX", "10"}), F::kOk);
  // 10 s before the deadline no draw can refresh (100 ms * -ln(2^-53) < 3.7 s).
  for (int i = 0; i < 200; ++i) ASSERT_EQ(FetchAs(f, 3, {"hot:k"}).status, "HIT");
  // 1 ms before it, a draw refreshes unless r > exp(-0.01): about 99% of calls.
  f.clock().AdvanceMs(10000 - 1);
  Fetch refresh;
  for (int i = 0; i < 20 && refresh.status != "REFRESH"; ++i) refresh = FetchAs(f, 3, {"hot:k"});
  ASSERT_EQ(refresh.status, "REFRESH");
  EXPECT_EQ(refresh.value, "v");
  EXPECT_EQ(refresh.token.size(), 32u);
  EXPECT_EQ(FetchAs(f, 4, {"hot:k"}).status, "HIT");  // one refresher at a time
  EXPECT_EQ(f.Run({"cache.fill", "hot:k", refresh.token, "v2", "EX", "10"}), F::kOk);
  EXPECT_EQ(FetchAs(f, 4, {"hot:k"}).value, "v2");
  EXPECT_GE(Stat(f, "early_refreshes"), 1);
  // Without beta, or for a value not filled through a lease, never early.
  ASSERT_EQ(f.Run({"namespace.set", "hot", "prefix", "hot:", "beta", "0"}), F::kOk);
  f.clock().AdvanceMs(10000 - 1);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(FetchAs(f, 3, {"hot:k"}).status, "HIT");
  ASSERT_EQ(f.Run({"namespace.set", "hot", "prefix", "hot:", "beta", "100"}), F::kOk);
  f.Run({"set", "hot:plain", "v", "PX", "2"});
  f.clock().AdvanceMs(1);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(FetchAs(f, 3, {"hot:plain"}).status, "HIT");
}

TEST(CacheTest, WaitParksAndTheFillServes) {
  F f;
  Fetch held = FetchAs(f, 2, {"k"});
  // Client 1 (the fixture's connection) waits: no reply yet.
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT", "5000"}), "");
  EXPECT_EQ(f.blocking().size(), 1u);
  ASSERT_TRUE(f.client().blocked);
  f.client().blocked.reset();
  f.client().id = 2;
  EXPECT_EQ(f.Run({"cache.fill", "k", held.token, "v"}), F::kOk);
  f.client().id = 1;
  EXPECT_EQ(f.blocking().size(), 0u);  // served by the fill
  EXPECT_EQ(Stat(f, "lease_waits"), 1);
  // A void hands the lease to the first waiter; the rest wait on.
  f.Run({"del", "k"});
  Fetch again = FetchAs(f, 2, {"k"});
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT", "5000"}), "");
  f.client().blocked.reset();
  f.client().id = 3;
  f.Run({"del", "k"});
  EXPECT_EQ(f.blocking().size(), 0u);
  EXPECT_EQ(f.Run({"cache.fill", "k", again.token, "v"}), F::Err(errors::kLeaseInvalid));
  EXPECT_EQ(FetchAs(f, 3, {"k"}).status, "LOCKED");  // client 1 holds it now
  EXPECT_EQ(Stat(f, "leases_active"), 1);
}

TEST(CacheTest, NoWaitingInsideExec) {
  F f;
  FetchAs(f, 2, {"k"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT", "1000"}), "+QUEUED\r\n");
  std::string exec = f.Run({"exec"});
  EXPECT_NE(exec.find("LOCKED"), std::string::npos) << exec;
  EXPECT_EQ(f.blocking().size(), 0u);
}

TEST(CacheTest, FillIsLoggedAsSetWithAbsoluteDeadline) {
  F f;
  RecordingLog log;
  f.engine().set_command_log(&log);
  f.server().command_log.store(&log);
  f.Run({"namespace.set", "u", "prefix", "u:", "ttl", "300"});
  Fetch a = FetchAs(f, 1, {"k"});
  f.Run({"cache.fill", "k", a.token, "v", "EX", "10"});
  Fetch b = FetchAs(f, 1, {"u:1"});
  f.Run({"cache.fill", "u:1", b.token, "w"});
  EXPECT_EQ(f.Run({"ttl", "u:1"}), F::Int(300));  // the namespace default applies
  int64_t now = f.clock().NowMs();
  ASSERT_EQ(log.records.size(), 3u);
  EXPECT_EQ(log.records[0], "SET k v PXAT " + std::to_string(now + 10000));
  EXPECT_EQ(log.records[1], "SET u:1 w");
  EXPECT_EQ(log.records[2], "PEXPIREAT u:1 " + std::to_string(now + 300000));
  f.engine().set_command_log(nullptr);
  f.server().command_log.store(nullptr);
}

TEST(CacheTest, WrongTypeAndBadArguments) {
  F f;
  f.Run({"lpush", "l", "a"});
  EXPECT_EQ(f.Run({"cache.fetch", "l"}), F::Err(errors::kWrongType));
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT"}), F::Err(errors::kSyntax));
  EXPECT_EQ(f.Run({"cache.fetch", "k", "FOO", "1"}), F::Err(errors::kSyntax));
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT", "x"}), F::Err(errors::kNotInteger));
  EXPECT_EQ(f.Run({"cache.fetch", "k", "WAIT", "-1"}), F::Err(errors::kLeaseBadWait));
  EXPECT_EQ(f.Run({"cache.fetch", "k", "LEASE", "0"}), F::Err(errors::kLeaseBadLease));
  EXPECT_EQ(f.Run({"cache.fetch"}),
            F::Err("ERR wrong number of arguments for 'cache.fetch' command"));
  EXPECT_EQ(f.Run({"cache.fill", "k", "t"}),
            F::Err("ERR wrong number of arguments for 'cache.fill' command"));
  Fetch m = FetchAs(f, 1, {"k"});
  EXPECT_EQ(f.Run({"cache.fill", "k", m.token, "v", "EX"}), F::Err(errors::kSyntax));
  EXPECT_EQ(f.Run({"cache.fill", "k", m.token, "v", "KEEPTTL", "1"}), F::Err(errors::kSyntax));
  EXPECT_EQ(f.Run({"cache.fill", "k", m.token, "v", "EX", "0"}),
            F::Err("ERR invalid expire time in 'cache.fill' command"));
  EXPECT_EQ(f.Run({"cache.fill", "k", "bogus", "v"}), F::Err(errors::kLeaseInvalid));
  // None of the refused fills used the lease up.
  EXPECT_EQ(f.Run({"cache.fill", "k", m.token, "v", "PX", "500"}), F::kOk);
  EXPECT_EQ(f.Run({"get", "k"}), F::Bulk("v"));
}

}  // namespace
}  // namespace cachet
