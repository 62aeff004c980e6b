// Tags and invalidation through the command fixture: the tag index follows every removal path
// (DEL, overwrite, lazy and active expiry, eviction, RENAME, COPY, FLUSHDB, FLUSHALL, SWAPDB)
// with its memory returned; pattern invalidation walks only the literal prefix; events expand
// [[rule]] templates; invalidations are logged as DEL batches, recorded and published.
#include <gtest/gtest.h>
#include <unistd.h>

#include "commands/test_fixture.h"
#include "engine/invalidation.h"
#include "persist/warm_save.h"

namespace cachet {
namespace {

using F = CommandFixture;

// The number of tagged keys and tags of db 0 over every shard (the index's own view).
size_t TaggedKeys(F& f, int db = 0) {
  size_t n = 0;
  for (int s = 0; s < Engine::kShards; ++s) n += f.engine().shard(s).dbs[db].tags.tagged_keys();
  return n;
}
size_t TagIndexBytes(F& f) {
  size_t n = 0;
  for (int s = 0; s < Engine::kShards; ++s)
    for (const DbSlice& slice : f.engine().shard(s).dbs) n += slice.tags.MemoryBytes();
  return n;
}

std::string Array(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += F::Bulk(s);
  return out;
}

TEST(TagTest, CacheSetTagsAndReplies) {
  F f;
  EXPECT_EQ(f.Run({"cache.set", "a", "1", "TAGS", "t1", "t2"}), F::kOk);
  EXPECT_EQ(f.Run({"cache.set", "b", "2", "ex", "100", "tags", "t1"}), F::kOk);
  EXPECT_EQ(f.Run({"tag.keys", "t1"}), Array({"a", "b"}));
  EXPECT_EQ(f.Run({"tag.get", "a"}), Array({"t1", "t2"}));
  EXPECT_EQ(f.Run({"ttl", "b"}), F::Int(100));
  EXPECT_EQ(f.Run({"cache.set", "a", "x", "nx", "tags", "t3"}), F::kNil);
  EXPECT_EQ(f.Run({"tag.get", "a"}), Array({"t1", "t2"}));
  EXPECT_EQ(f.Run({"cache.set", "a", "3", "get", "tags", "t3"}), F::Bulk("1"));
  EXPECT_EQ(f.Run({"tag.get", "a"}), Array({"t3"}));
  EXPECT_EQ(f.Run({"cache.set", "a", "4"}), F::kOk);  // no TAGS: none left
  EXPECT_EQ(f.Run({"tag.get", "a"}), "*0\r\n");
  EXPECT_EQ(f.Run({"cache.set", "a", "1", "tags"}), F::Err("ERR TAGS needs at least one tag"));
  EXPECT_EQ(f.Run({"cache.set", "a", "1", "tags", ""}), F::Err("ERR a tag must not be empty"));
  EXPECT_EQ(f.Run({"cache.set", "a", "1", "ex", "0", "tags", "t"}),
            F::Err("ERR invalid expire time in 'cache.set' command"));
  EXPECT_EQ(f.Run({"cache.set", "a", "1", "bogus"}), F::Err("ERR syntax error"));
  f.Run({"lpush", "l", "x"});
  EXPECT_EQ(f.Run({"cache.set", "l", "1", "get"}),
            F::Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST(TagTest, TagAddLimitAndMissingKey) {
  F f;
  EXPECT_EQ(f.Run({"tag.add", "nokey", "t"}), F::Int(0));
  f.Run({"hset", "h", "f", "v"});
  EXPECT_EQ(f.Run({"tag.add", "h", "t", "u", "t"}), F::Int(2));
  EXPECT_EQ(f.Run({"tag.add", "h", "t"}), F::Int(0));
  std::vector<std::string> cmd = {"tag.add", "h"};
  for (int i = 0; i < 63; ++i) cmd.push_back("x" + std::to_string(i));
  EXPECT_EQ(f.Run(cmd), F::Err("ERR a key can carry at most 64 tags"));
  EXPECT_EQ(f.Run({"tag.get", "h"}), Array({"t", "u"}));  // nothing added
  cmd.resize(64);
  EXPECT_EQ(f.Run(cmd), F::Int(62));
}

TEST(TagTest, EveryRemovalPathCleansTheIndex) {
  F f;
  size_t baseline = TagIndexBytes(f);
  int64_t dataset = f.engine().DatasetBytes();
  auto tag = [&](const std::string& key) {
    f.Run({"cache.set", key, "v", "tags", "t", "other:" + key});
  };
  tag("del");
  f.Run({"del", "del"});
  tag("unlink");
  f.Run({"unlink", "unlink"});
  tag("getdel");
  f.Run({"getdel", "getdel"});
  tag("set");
  f.Run({"set", "set", "new"});
  tag("mset");
  f.Run({"mset", "mset", "new"});
  tag("getset");
  f.Run({"getset", "getset", "new"});
  tag("lazy");
  f.Run({"pexpire", "lazy", "10"});
  tag("active");
  f.Run({"pexpire", "active", "10"});
  f.clock().AdvanceMs(20);
  EXPECT_EQ(f.Run({"get", "lazy"}), F::kNil);
  f.engine().ActiveExpire(0, 1, 1'000'000);
  EXPECT_EQ(f.Run({"tag.keys", "t"}), "*0\r\n");
  EXPECT_EQ(TaggedKeys(f), 0u);
  for (const char* k : {"set", "mset", "getset"}) f.Run({"del", k});
  EXPECT_EQ(TagIndexBytes(f), baseline);
  EXPECT_EQ(f.engine().DatasetBytes(), dataset);
}

TEST(TagTest, FlushAndSwapCarryTheIndexWithTheDatabase) {
  F f;
  f.Run({"cache.set", "a", "v", "tags", "t"});
  f.Run({"swapdb", "0", "1"});
  EXPECT_EQ(f.Run({"tag.keys", "t"}), "*0\r\n");
  f.Run({"select", "1"});
  EXPECT_EQ(f.Run({"tag.keys", "t"}), Array({"a"}));
  f.Run({"flushdb"});
  EXPECT_EQ(TaggedKeys(f, 1), 0u);
  f.Run({"cache.set", "b", "v", "tags", "t"});
  f.Run({"flushall"});
  EXPECT_EQ(TaggedKeys(f, 1), 0u);
  EXPECT_EQ(TagIndexBytes(f), 0u);
}

TEST(TagTest, EvictionCleansTheIndex) {
  F f;
  f.engine().set_policy(EvictionPolicy::kAllKeysLru);
  for (int i = 0; i < 200; ++i) {
    f.Run({"cache.set", "k" + std::to_string(i), std::string(100, 'x'), "tags", "t"});
  }
  f.engine().set_maxmemory(f.engine().UsedMemory() - 8000);
  EXPECT_TRUE(f.engine().EvictIfNeeded());
  uint64_t keys = f.engine().DbSize(0);
  EXPECT_LT(keys, 200u);
  EXPECT_EQ(TaggedKeys(f), keys);
  f.engine().set_maxmemory(0);
  EXPECT_EQ(f.Run({"tag.invalidate", "t"}), F::Int(static_cast<int64_t>(keys)));
  EXPECT_EQ(TagIndexBytes(f), 0u);
}

TEST(TagTest, RenameMovesAndCopyCopiesTags) {
  F f;
  f.Run({"cache.set", "src", "v", "tags", "t", "u"});
  f.Run({"rename", "src", "dst"});
  EXPECT_EQ(f.Run({"tag.keys", "t"}), Array({"dst"}));
  EXPECT_EQ(f.Run({"tag.get", "dst"}), Array({"t", "u"}));
  f.Run({"copy", "dst", "cp"});
  f.Run({"copy", "dst", "cp9", "db", "9"});
  EXPECT_EQ(f.Run({"tag.keys", "u"}), Array({"cp", "dst"}));
  f.Run({"append", "dst", "more"});  // modified in place: tags stay
  f.Run({"expire", "dst", "100"});
  EXPECT_EQ(f.Run({"tag.get", "dst"}), Array({"t", "u"}));
  EXPECT_EQ(f.Run({"tag.invalidate", "u"}), F::Int(2));
  EXPECT_EQ(f.Run({"exists", "dst", "cp"}), F::Int(0));
  f.Run({"select", "9"});
  EXPECT_EQ(f.Run({"tag.get", "cp9"}), Array({"t", "u"}));
}

TEST(TagTest, GrowingValuesKeepTheKeyOrderIndexPointingAtThem) {
  F f;
  for (int i = 0; i < 50; ++i) f.Run({"set", "p:" + std::to_string(i), "x"});
  // APPEND and SETRANGE reallocate entries; the index must follow them.
  for (int i = 0; i < 50; ++i) f.Run({"append", "p:" + std::to_string(i), std::string(500, 'y')});
  for (int i = 0; i < 50; i += 2) f.Run({"expire", "p:" + std::to_string(i), "100"});
  for (int i = 0; i < 50; i += 3) f.Run({"persist", "p:" + std::to_string(i)});
  f.Run({"set", "q:1", "x"});
  EXPECT_EQ(f.Run({"invalidate", "pattern", "p:*"}), F::Int(50));
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(1));
}

TEST(InvalidateTest, PatternWalksOnlyTheLiteralPrefix) {
  F f;
  // The index holds namespaced keys (prefix-index namespaces): "user:" makes them so.
  f.Run({"namespace.set", "users", "prefix", "user:"});
  f.Run({"set", "other:1", "v"});
  for (int i = 0; i < 300; ++i) f.Run({"set", "user:" + std::to_string(i) + ":feed", "v"});
  f.Run({"set", "user:1:profile", "v"});
  InvalidationStats stats;
  InvalidatePattern(f.engine(), nullptr, 0, "user:1:*", &stats);
  EXPECT_EQ(stats.keys, 2u);
  EXPECT_EQ(stats.examined, 2u);  // nothing but the two keys under "user:1:"
  stats = InvalidationStats();
  InvalidatePattern(f.engine(), nullptr, 0, "user:1?:feed", &stats);
  EXPECT_EQ(stats.keys, 10u);
  EXPECT_EQ(stats.examined, 111u - 1);  // user:1..., minus user:1:feed already gone
  stats = InvalidationStats();
  InvalidatePattern(f.engine(), nullptr, 0, "*:feed", &stats);  // no literal prefix: a scan
  EXPECT_EQ(stats.keys, 300u - 11);
  EXPECT_EQ(stats.examined, 300u - 11 + 1);  // every key: the feeds left and other:1
  stats = InvalidationStats();
  InvalidatePattern(f.engine(), nullptr, 0, "other:*", &stats);  // outside every namespace
  EXPECT_EQ(stats.keys, 1u);
  EXPECT_EQ(f.Run({"invalidate", "pattern", "nothing*"}), F::Int(0));
  f.Run({"set", "a*b", "1"});
  f.Run({"set", "axb", "1"});
  EXPECT_EQ(f.Run({"invalidate", "pattern", "a\\*b"}), F::Int(1));
  EXPECT_EQ(f.Run({"exists", "axb"}), F::Int(1));
  EXPECT_EQ(f.Run({"invalidate", "pattern", "axb"}), F::Int(1));
}

TEST(InvalidateTest, BatchesAreLoggedAsDel) {
  F f;
  RecordingLog log;
  f.server().command_log.store(&log);
  for (int i = 0; i < 600; ++i) {
    f.Run({"cache.set", "k" + std::to_string(i), "v", "tags", "t"});
  }
  log.records.clear();
  EXPECT_EQ(f.Run({"tag.invalidate", "t"}), F::Int(600));
  size_t deleted = 0;
  for (const std::string& r : log.records) {
    ASSERT_EQ(r.rfind("DEL ", 0), 0u) << r;
    deleted += static_cast<size_t>(std::count(r.begin(), r.end(), ' '));
  }
  EXPECT_EQ(deleted, 600u);
  log.records.clear();
  EXPECT_EQ(f.Run({"tag.invalidate", "t"}), F::Int(0));
  EXPECT_TRUE(log.records.empty());  // nothing deleted, nothing logged
  f.server().command_log.store(nullptr);
}

TEST(InvalidateTest, EventsExpandRules) {
  F f;
  std::string error;
  ASSERT_TRUE(f.rules().Add({{"event", {"user.updated"}},
                             {"keys", {"user:profile:{userId}"}},
                             {"tags", {"user:{userId}"}},
                             {"patterns", {"user:{userId}:*"}}},
                            &error))
      << error;
  EXPECT_FALSE(f.rules().Add({{"event", {"x"}}, {"keys", {"a:{b"}}}, &error));
  EXPECT_FALSE(f.rules().Add({{"event", {"x"}}}, &error));
  EXPECT_FALSE(f.rules().Add({{"keys", {"a"}}}, &error));
  EXPECT_FALSE(f.rules().Add({{"event", {"x"}}, {"nope", {"a"}}}, &error));
  f.Run({"set", "user:profile:42", "v"});
  f.Run({"set", "user:42:a", "v"});
  f.Run({"set", "user:42:b", "v"});
  f.Run({"set", "user:43:a", "v"});
  f.Run({"cache.set", "page:1", "v", "tags", "user:42"});
  f.Run({"set", "user:*:a", "v"});
  // "*" is escaped in the pattern: only the key literally under "user:*:" goes.
  EXPECT_EQ(f.Run({"invalidate", "event", "user.updated", "userId", "*"}), F::Int(1));
  EXPECT_EQ(f.Run({"exists", "user:43:a", "user:42:a"}), F::Int(2));
  EXPECT_EQ(f.Run({"invalidate", "event", "user.updated", "userId", "42"}), F::Int(4));
  EXPECT_EQ(f.Run({"exists", "user:43:a", "user:42:a", "page:1"}), F::Int(1));
  EXPECT_EQ(f.Run({"invalidate", "event", "user.updated"}),
            F::Err("ERR the event needs the field 'userId' (for 'user:profile:{userId}')"));
  EXPECT_EQ(f.Run({"invalidate", "event", "user.updated", "userId"}),
            F::Err("ERR INVALIDATE EVENT takes the event name and then field value pairs"));
  EXPECT_EQ(f.Run({"invalidate", "event", "other"}), F::Err("ERR no [[rule]] handles this event"));
}

TEST(InvalidateTest, LogRecordsAndPublishes) {
  F f;
  f.Run({"cache.set", "a", "v", "tags", "t"});
  f.Run({"invalidate", "key", "a", "missing"});
  f.Run({"tag.invalidate", "t"});
  std::vector<InvalidationRecord> recent = f.invalidations().Recent(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].kind, "tag");
  EXPECT_EQ(recent[0].keys, 0u);
  EXPECT_EQ(recent[1].kind, "key");
  EXPECT_EQ(recent[1].target, "a missing");
  EXPECT_EQ(recent[1].keys, 1u);
  std::string log = f.Run({"invalidate", "log", "1"});
  EXPECT_NE(log.find("TAG.INVALIDATE"), std::string::npos);
  EXPECT_EQ(log.find("INVALIDATE KEY"), std::string::npos);
  EXPECT_EQ(f.Run({"invalidate", "log", "reset"}), F::kOk);
  EXPECT_EQ(f.Run({"invalidate", "log"}), "*0\r\n");
  EXPECT_EQ(f.Run({"invalidate", "log", "-1"}), F::Err("ERR value is out of range"));
}

TEST(TagTest, TaggedKeysAreNotWarmed) {
  F f;
  f.Run({"cache.set", "tagged", "v", "tags", "t"});
  f.Run({"set", "plain", "v"});
  std::string path = ::testing::TempDir() + "/tags-warm.cwf";
  WarmSaveStats stats;
  std::string error;
  ASSERT_TRUE(SaveWarmFile(f.engine(), path, 100, &stats, &error)) << error;
  EXPECT_EQ(stats.keys, 1u);  // only "plain": a warmed key would come back without its tags
  unlink(path.c_str());
}

}  // namespace
}  // namespace cachet
