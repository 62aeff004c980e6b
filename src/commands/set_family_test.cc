// Set command tests through the in-process fixture: replies (RESP2 and RESP3), errors,
// encodings, empty-key removal, memory accounting and the propagated form of random writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;
const std::string kWrongType =
    F::Err("WRONGTYPE Operation against a key holding the wrong kind of value");

std::string Array(const std::vector<std::string>& items, char type = '*') {
  std::string out = type + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += F::Bulk(s);
  return out;
}

// Members of a flat array-or-set reply of bulk strings.
std::vector<std::string> ParseBulks(const std::string& reply) {
  std::vector<std::string> out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size()) {
    size_t end = reply.find("\r\n", pos);
    size_t len = std::stoul(reply.substr(pos + 1, end - pos - 1));
    out.push_back(reply.substr(end + 2, len));
    pos = end + 2 + len + 2;
  }
  return out;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

class RecordingLog : public CommandLog {
 public:
  void Append(int db, std::span<const std::string_view> args) override {
    records.emplace_back(args.begin(), args.end());
  }
  std::vector<std::vector<std::string>> records;
};

class SetFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(SetFamilyTest, AddRemoveAndQueries) {
  EXPECT_EQ(f.Run({"sadd", "s", "3", "1", "2", "1"}), F::Int(3));
  EXPECT_EQ(f.Run({"sadd", "s", "2", "4"}), F::Int(1));
  EXPECT_EQ(f.Run({"scard", "s"}), F::Int(4));
  EXPECT_EQ(f.Run({"smembers", "s"}), Array({"1", "2", "3", "4"}));
  EXPECT_EQ(f.Run({"sismember", "s", "2"}), F::Int(1));
  EXPECT_EQ(f.Run({"sismember", "s", "02"}), F::Int(0));
  EXPECT_EQ(f.Run({"smismember", "s", "1", "9", "4"}), "*3\r\n:1\r\n:0\r\n:1\r\n");
  EXPECT_EQ(f.Run({"smismember", "none", "1"}), "*1\r\n:0\r\n");
  EXPECT_EQ(f.Run({"srem", "s", "1", "9", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"srem", "none", "1"}), F::Int(0));
  EXPECT_EQ(f.Run({"srem", "s", "2", "3", "4"}), F::Int(3));
  EXPECT_EQ(f.Run({"exists", "s"}), F::Int(0));  // an emptied set is removed
  EXPECT_EQ(f.Run({"scard", "s"}), F::Int(0));
  EXPECT_EQ(f.Run({"smembers", "s"}), "*0\r\n");
  EXPECT_EQ(f.Run({"sadd", "s"}), F::Err("ERR wrong number of arguments for 'sadd' command"));
}

TEST_F(SetFamilyTest, Resp3SetReplies) {
  f.set_protocol(3);
  f.Run({"sadd", "a", "1", "2"});
  f.Run({"sadd", "b", "2", "3"});
  EXPECT_EQ(f.Run({"smembers", "a"}), Array({"1", "2"}, '~'));
  EXPECT_EQ(f.Run({"smembers", "none"}), "~0\r\n");
  EXPECT_EQ(f.Run({"sunion", "a", "b"}), Array({"1", "2", "3"}, '~'));
  EXPECT_EQ(f.Run({"sinter", "a", "b"}), Array({"2"}, '~'));
  EXPECT_EQ(f.Run({"sdiff", "a", "b"}), Array({"1"}, '~'));
  EXPECT_EQ(f.Run({"sinter", "a", "none"}), "~0\r\n");
  EXPECT_EQ(f.Run({"srandmember", "a", "5"}), Array({"1", "2"}));  // an array, as in Redis
  EXPECT_EQ(f.Run({"srandmember", "none"}), "_\r\n");
  EXPECT_EQ(f.Run({"spop", "none", "2"}), "~0\r\n");
  EXPECT_EQ(f.Run({"spop", "a", "5"}), Array({"1", "2"}, '~'));
  EXPECT_EQ(f.Run({"sscan", "b", "0"}), "*2\r\n$1\r\n0\r\n" + Array({"2", "3"}));
}

TEST_F(SetFamilyTest, Encodings) {
  f.Run({"sadd", "i", "5", "-9223372036854775808", "9223372036854775807"});
  EXPECT_EQ(f.Run({"object", "encoding", "i"}), F::Bulk("intset"));
  EXPECT_EQ(f.Run({"type", "i"}), "+set\r\n");
  for (const char* m : {"007", "-0", "+1", "9223372036854775808", "a"}) {
    f.Run({"del", "x"});
    f.Run({"sadd", "x", "1", m});
    EXPECT_EQ(f.Run({"object", "encoding", "x"}), F::Bulk("hashtable")) << m;
  }
  f.Run({"sadd", "x", "1", "a"});
  f.Run({"srem", "x", "a"});
  EXPECT_EQ(f.Run({"object", "encoding", "x"}), F::Bulk("hashtable"));  // one-way
  std::vector<std::string> add = {"sadd", "big"};
  for (int i = 0; i < 512; ++i) add.push_back(std::to_string(i));
  EXPECT_EQ(f.Run(add), F::Int(512));
  EXPECT_EQ(f.Run({"object", "encoding", "big"}), F::Bulk("intset"));
  EXPECT_EQ(f.Run({"sadd", "big", "511"}), F::Int(0));
  EXPECT_EQ(f.Run({"object", "encoding", "big"}), F::Bulk("intset"));
  EXPECT_EQ(f.Run({"sadd", "big", "512"}), F::Int(1));
  EXPECT_EQ(f.Run({"object", "encoding", "big"}), F::Bulk("hashtable"));
}

TEST_F(SetFamilyTest, WrongType) {
  f.Run({"set", "str", "v"});
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"sadd", "str", "a"},
           {"srem", "str", "a"},
           {"smembers", "str"},
           {"sismember", "str", "a"},
           {"smismember", "str", "a"},
           {"scard", "str"},
           {"spop", "str"},
           {"spop", "str", "0"},
           {"srandmember", "str"},
           {"srandmember", "str", "-1"},
           {"smove", "str", "d", "a"},
           {"sunion", "none", "str"},
           {"sinter", "none", "str"},
           {"sdiff", "none", "str"},
           {"sunionstore", "d", "str"},
           {"sinterstore", "d", "none", "str"},
           {"sdiffstore", "d", "none", "str"},
           {"sintercard", "2", "none", "str"},
           {"sscan", "str", "0"},
       }) {
    EXPECT_EQ(f.Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(f.Run({"get", "str"}), F::Bulk("v"));
}

TEST_F(SetFamilyTest, ArgumentErrorsComeFirst) {
  f.Run({"set", "str", "v"});
  const std::string positive = F::Err("ERR value is out of range, must be positive");
  EXPECT_EQ(f.Run({"spop", "str", "-1"}), positive);
  EXPECT_EQ(f.Run({"spop", "none", "abc"}), positive);
  EXPECT_EQ(f.Run({"spop", "str", "1", "2"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"srandmember", "str", "abc"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"srandmember", "none", "-9223372036854775808"}),
            F::Err("ERR value is out of range, value must between -9223372036854775807 and "
                   "9223372036854775807"));
  EXPECT_EQ(f.Run({"srandmember", "str", "1", "2"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"sscan", "str", "abc"}), F::Err("ERR invalid cursor"));
  EXPECT_EQ(f.Run({"sscan", "str", "0", "count", "0"}), kWrongType);
  EXPECT_EQ(f.Run({"sscan", "none", "0", "foo"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(SetFamilyTest, SpopSingle) {
  RecordingLog log;
  f.server().command_log.store(&log);
  f.Run({"sadd", "s", "a", "b"});
  std::string first = ParseBulks("*1\r\n" + f.Run({"spop", "s"}))[0];
  EXPECT_TRUE(first == "a" || first == "b");
  std::string second = ParseBulks("*1\r\n" + f.Run({"spop", "s"}))[0];
  EXPECT_NE(first, second);
  EXPECT_EQ(f.Run({"exists", "s"}), F::Int(0));
  EXPECT_EQ(f.Run({"spop", "s"}), F::kNil);
  ASSERT_EQ(log.records.size(), 3u);
  EXPECT_EQ(log.records[1], (std::vector<std::string>{"SREM", "s", first}));
  EXPECT_EQ(log.records[2], (std::vector<std::string>{"SREM", "s", second}));
  f.server().command_log.store(nullptr);
}

TEST_F(SetFamilyTest, SpopWithCount) {
  RecordingLog log;
  f.server().command_log.store(&log);
  std::vector<std::string> add = {"sadd", "s"};
  for (int i = 0; i < 20; ++i) add.push_back("m" + std::to_string(i));
  f.Run(add);
  // Few popped: random removals. Many popped: the set is rebuilt from what is kept.
  for (int count : {3, 14}) {
    std::set<std::string> before = AsSet(ParseBulks(f.Run({"smembers", "s"})));
    log.records.clear();
    std::vector<std::string> popped = ParseBulks(f.Run({"spop", "s", std::to_string(count)}));
    ASSERT_EQ(popped.size(), static_cast<size_t>(count));
    std::set<std::string> after = AsSet(ParseBulks(f.Run({"smembers", "s"})));
    EXPECT_EQ(after.size() + popped.size(), before.size());
    for (const std::string& m : popped) {
      EXPECT_TRUE(before.count(m));
      EXPECT_FALSE(after.count(m));
    }
    ASSERT_EQ(log.records.size(), 1u);
    std::vector<std::string> expected = {"SREM", "s"};
    expected.insert(expected.end(), popped.begin(), popped.end());
    EXPECT_EQ(log.records[0], expected);
  }
  EXPECT_EQ(f.Run({"spop", "s", "0"}), "*0\r\n");
  log.records.clear();
  EXPECT_EQ(ParseBulks(f.Run({"spop", "s", "100"})).size(), 3u);
  EXPECT_EQ(f.Run({"exists", "s"}), F::Int(0));
  ASSERT_EQ(log.records.size(), 1u);
  EXPECT_EQ(log.records[0], (std::vector<std::string>{"DEL", "s"}));
  f.server().command_log.store(nullptr);
}

TEST_F(SetFamilyTest, SpopRebuildMayBecomeIntset) {
  // Popping all but one member rebuilds the set from the one kept; when that is an integer
  // the set is an intset again, as in Redis.
  bool saw_intset = false, saw_hashtable = false;
  for (int round = 0; round < 40 && !(saw_intset && saw_hashtable); ++round) {
    f.Run({"sadd", "s", "a", "1", "2", "3", "4", "5"});
    f.Run({"spop", "s", "5"});
    std::string left = ParseBulks(f.Run({"smembers", "s"}))[0];
    std::string enc = f.Run({"object", "encoding", "s"});
    EXPECT_EQ(enc, F::Bulk(left == "a" ? "hashtable" : "intset"));
    (left == "a" ? saw_hashtable : saw_intset) = true;
    f.Run({"del", "s"});
  }
  EXPECT_TRUE(saw_intset && saw_hashtable);
}

TEST_F(SetFamilyTest, SpopWholeSetOrder) {
  f.Run({"sadd", "h", "a", "5", "1", "3"});
  f.Run({"srem", "h", "a"});
  // A hashtable of integers is returned in ascending order, like Redis's union result.
  EXPECT_EQ(f.Run({"spop", "h", "3"}), Array({"1", "3", "5"}));
}

TEST_F(SetFamilyTest, SrandmemberCounts) {
  f.Run({"sadd", "s", "5", "1", "3"});
  EXPECT_EQ(f.Run({"srandmember", "s", "3"}), Array({"1", "3", "5"}));
  EXPECT_EQ(f.Run({"srandmember", "s", "10"}), Array({"1", "3", "5"}));
  EXPECT_EQ(f.Run({"srandmember", "s", "0"}), "*0\r\n");
  EXPECT_EQ(f.Run({"srandmember", "none", "5"}), "*0\r\n");
  EXPECT_EQ(f.Run({"srandmember", "none", "-5"}), "*0\r\n");
  EXPECT_EQ(f.Run({"srandmember", "none"}), F::kNil);
  std::vector<std::string> two = ParseBulks(f.Run({"srandmember", "s", "2"}));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_NE(two[0], two[1]);
  std::vector<std::string> many = ParseBulks(f.Run({"srandmember", "s", "-50"}));
  ASSERT_EQ(many.size(), 50u);
  EXPECT_EQ(AsSet(many), (std::set<std::string>{"1", "3", "5"}));
  std::vector<std::string> add = {"sadd", "big"};
  for (int i = 0; i < 100; ++i) add.push_back("m" + std::to_string(i));
  f.Run(add);
  for (int count : {5, 60}) {
    std::vector<std::string> picked =
        ParseBulks(f.Run({"srandmember", "big", std::to_string(count)}));
    EXPECT_EQ(picked.size(), static_cast<size_t>(count));
    EXPECT_EQ(AsSet(picked).size(), static_cast<size_t>(count));
  }
  EXPECT_EQ(f.Run({"scard", "big"}), F::Int(100));
}

TEST_F(SetFamilyTest, Smove) {
  f.Run({"sadd", "src", "a", "1"});
  f.Run({"sadd", "dst", "x"});
  f.Run({"expire", "dst", "100"});
  EXPECT_EQ(f.Run({"smove", "none", "dst", "a"}), F::Int(0));
  EXPECT_EQ(f.Run({"smove", "src", "dst", "zz"}), F::Int(0));
  EXPECT_EQ(f.Run({"smove", "src", "src", "a"}), F::Int(1));
  EXPECT_EQ(f.Run({"smove", "src", "src", "zz"}), F::Int(0));
  EXPECT_EQ(f.Run({"smove", "src", "dst", "a"}), F::Int(1));
  EXPECT_EQ(f.Run({"ttl", "dst"}), F::Int(100));
  EXPECT_EQ(f.Run({"sismember", "dst", "a"}), F::Int(1));
  f.Run({"sadd", "dst", "1"});
  EXPECT_EQ(f.Run({"smove", "src", "dst", "1"}), F::Int(1));  // already there: still 1
  EXPECT_EQ(f.Run({"exists", "src"}), F::Int(0));
  EXPECT_EQ(f.Run({"smove", "dst", "fresh", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"object", "encoding", "fresh"}), F::Bulk("intset"));
  f.Run({"set", "str", "v"});
  EXPECT_EQ(f.Run({"smove", "dst", "str", "zz"}), kWrongType);
  EXPECT_EQ(f.Run({"smove", "none", "str", "a"}), F::Int(0));
}

TEST_F(SetFamilyTest, UnionInterDiff) {
  f.Run({"sadd", "a", "1", "2", "3", "x"});
  f.Run({"sadd", "b", "2", "3", "4"});
  f.Run({"sadd", "c", "3", "9"});
  EXPECT_EQ(AsSet(ParseBulks(f.Run({"sunion", "a", "b", "none"}))),
            (std::set<std::string>{"1", "2", "3", "4", "x"}));
  EXPECT_EQ(f.Run({"sunion", "b", "c"}), Array({"2", "3", "4", "9"}));
  EXPECT_EQ(f.Run({"sinter", "a", "b", "c"}), Array({"3"}));
  EXPECT_EQ(f.Run({"sinter", "b", "a"}), Array({"2", "3"}));  // smallest (b) first: ascending
  EXPECT_EQ(f.Run({"sinter", "a", "none"}), "*0\r\n");
  EXPECT_EQ(f.Run({"sdiff", "b", "a"}), Array({"4"}));
  EXPECT_EQ(AsSet(ParseBulks(f.Run({"sdiff", "a", "b"}))), (std::set<std::string>{"1", "x"}));
  EXPECT_EQ(f.Run({"sdiff", "a", "a"}), "*0\r\n");
  EXPECT_EQ(f.Run({"sdiff", "none", "a"}), "*0\r\n");
  EXPECT_EQ(f.Run({"sintercard", "2", "a", "b"}), F::Int(2));
  EXPECT_EQ(f.Run({"sintercard", "2", "a", "b", "limit", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"sintercard", "2", "a", "b", "LIMIT", "0"}), F::Int(2));
  EXPECT_EQ(f.Run({"sintercard", "2", "a", "none"}), F::Int(0));
}

TEST_F(SetFamilyTest, SintercardErrors) {
  const std::string numkeys = F::Err("ERR numkeys should be greater than 0");
  EXPECT_EQ(f.Run({"sintercard", "0", "a"}), numkeys);
  EXPECT_EQ(f.Run({"sintercard", "abc", "a"}), numkeys);
  EXPECT_EQ(f.Run({"sintercard", "2", "a"}),
            F::Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(f.Run({"sintercard", "1", "a", "limit"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"sintercard", "1", "a", "limit", "-1"}), F::Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(f.Run({"sintercard", "1", "a", "foo", "1"}), F::Err("ERR syntax error"));
}

TEST_F(SetFamilyTest, StoreCommands) {
  f.Run({"sadd", "a", "1", "2", "x"});
  f.Run({"sadd", "b", "2", "3"});
  f.Run({"set", "dst", "string"});
  f.Run({"expire", "dst", "100"});
  EXPECT_EQ(f.Run({"sunionstore", "dst", "a", "b"}), F::Int(4));
  EXPECT_EQ(f.Run({"type", "dst"}), "+set\r\n");
  EXPECT_EQ(f.Run({"ttl", "dst"}), F::Int(-1));
  EXPECT_EQ(f.Run({"object", "encoding", "dst"}), F::Bulk("hashtable"));
  EXPECT_EQ(f.Run({"sinterstore", "dst", "a", "b"}), F::Int(1));
  EXPECT_EQ(f.Run({"object", "encoding", "dst"}), F::Bulk("intset"));
  EXPECT_EQ(f.Run({"sdiffstore", "dst", "a", "b"}), F::Int(2));
  EXPECT_EQ(f.Run({"sdiffstore", "b", "b", "a"}), F::Int(1));  // destination is a source
  EXPECT_EQ(f.Run({"smembers", "b"}), Array({"3"}));
  EXPECT_EQ(f.Run({"sinterstore", "dst", "a", "none"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "dst"}), F::Int(0));
  EXPECT_EQ(f.Run({"sdiffstore", "dst", "none"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "dst"}), F::Int(0));
}

TEST_F(SetFamilyTest, DiffEncodingFollowsRedisAlgorithm) {
  // With a big first set and small others Redis copies the first set and removes members:
  // the result went through a non-integer member and stays a hashtable.
  f.Run({"sadd", "a", "x", "1", "2", "3", "4", "5"});
  f.Run({"sadd", "b", "x"});
  f.Run({"sadd", "c", "1"});
  EXPECT_EQ(f.Run({"sdiffstore", "d", "a", "b", "c"}), F::Int(4));
  EXPECT_EQ(f.Run({"object", "encoding", "d"}), F::Bulk("hashtable"));
  EXPECT_EQ(f.Run({"sdiffstore", "d", "a", "b"}), F::Int(5));
  EXPECT_EQ(f.Run({"object", "encoding", "d"}), F::Bulk("intset"));
}

TEST_F(SetFamilyTest, Sscan) {
  f.Run({"sadd", "i", "10", "2", "33"});
  EXPECT_EQ(f.Run({"sscan", "i", "0", "match", "*3*", "count", "1"}),
            "*2\r\n$1\r\n0\r\n" + Array({"33"}));
  std::vector<std::string> add = {"sadd", "h"};
  for (int i = 0; i < 300; ++i) add.push_back("m" + std::to_string(i));
  f.Run(add);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string r = f.Run({"sscan", "h", cursor, "count", "20"});
    size_t start = r.find("$", 0);
    size_t end = r.find("\r\n", start);
    size_t len = std::stoul(r.substr(start + 1, end - start - 1));
    cursor = r.substr(end + 2, len);
    std::vector<std::string> page = ParseBulks(r.substr(end + 2 + len + 2));
    seen.insert(page.begin(), page.end());
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_GT(calls, 3);
  EXPECT_EQ(f.Run({"sscan", "h", "0", "type", "set"}), F::Err("ERR syntax error"));
}

TEST_F(SetFamilyTest, MemoryIsAccountedAndReleased) {
  int64_t base = f.engine().DatasetBytes();
  std::vector<std::string> add = {"sadd", "s"};
  for (int i = 0; i < 2000; ++i) add.push_back("member-" + std::to_string(i));
  f.Run(add);
  f.Run({"sunionstore", "u", "s"});
  f.Run({"sadd", "i", "1", "2", "3"});
  f.Run({"smove", "s", "i", "member-1"});
  EXPECT_GT(f.engine().DatasetBytes(), base + 2 * 2000 * 16);
  f.Run({"spop", "s", "1500"});
  f.Run({"del", "s", "u"});
  f.Run({"spop", "i", "10"});
  EXPECT_EQ(f.engine().DatasetBytes(), base);
}

TEST_F(SetFamilyTest, CopyRenameAndScanType) {
  f.Run({"sadd", "s", "a", "b"});
  EXPECT_EQ(f.Run({"copy", "s", "t"}), F::Int(1));
  f.Run({"srem", "s", "a"});
  EXPECT_EQ(f.Run({"scard", "t"}), F::Int(2));
  EXPECT_EQ(f.Run({"rename", "t", "r"}), F::kOk);
  EXPECT_EQ(f.Run({"sismember", "r", "a"}), F::Int(1));
  f.Run({"set", "str", "v"});
  std::string r = f.Run({"scan", "0", "type", "set", "count", "1000"});
  EXPECT_NE(r.find("$1\r\nr\r\n"), std::string::npos);
  EXPECT_NE(r.find("$1\r\ns\r\n"), std::string::npos);
  EXPECT_EQ(r.find("str"), std::string::npos);
}

}  // namespace
}  // namespace cachet
