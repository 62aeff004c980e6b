// Sorted set command tests through the in-process fixture: replies in RESP2 and RESP3, errors,
// encodings, key removal, *STORE destinations, memory accounting and what reaches the log.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;

// Records what the dispatcher logs for write commands.
std::string Arr(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += s;
  return out;
}
std::string B(const std::string& s) { return F::Bulk(s); }
std::string D(const std::string& s) { return "," + s + "\r\n"; }

class ZSetFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(ZSetFamilyTest, AddScoreAndOptions) {
  EXPECT_EQ(f.Run({"zadd", "z", "1", "a", "2", "b", "1.5", "c"}), F::Int(3));
  EXPECT_EQ(f.Run({"zadd", "z", "ch", "gt", "5", "a", "0", "b", "3", "d"}), F::Int(2));
  EXPECT_EQ(f.Run({"zadd", "z", "incr", "gt", "1", "a"}), B("6"));
  EXPECT_EQ(f.Run({"zadd", "z", "incr", "lt", "1", "a"}), F::kNil);
  EXPECT_EQ(f.Run({"zadd", "z", "xx", "incr", "1", "nosuch"}), F::kNil);
  EXPECT_EQ(f.Run({"zadd", "nokey", "xx", "1", "a"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "nokey"}), F::Int(0));
  EXPECT_EQ(f.Run({"zadd", "z", "1", "a", "2"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zadd", "z", "nx", "xx", "1", "a"}),
            F::Err("ERR XX and NX options at the same time are not compatible"));
  EXPECT_EQ(f.Run({"zadd", "z", "gt", "lt", "1", "a"}),
            F::Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_EQ(f.Run({"zadd", "z", "incr", "1", "a", "2", "b"}),
            F::Err("ERR INCR option supports a single increment-element pair"));
  EXPECT_EQ(f.Run({"zadd", "z", "nan", "a"}), F::Err("ERR value is not a valid float"));
  EXPECT_EQ(f.Run({"zadd", "z", "inf", "i"}), F::Int(1));
  EXPECT_EQ(f.Run({"zincrby", "z", "-inf", "i"}),
            F::Err("ERR resulting score is not a number (NaN)"));
  EXPECT_EQ(f.Run({"zincrby", "z", "nx", "i"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zscore", "z", "i"}), B("inf"));
  EXPECT_EQ(f.Run({"zscore", "z", "c"}), B("1.5"));
  EXPECT_EQ(f.Run({"zincrby", "z", "0.1", "c"}), B("1.6000000000000001"));
  EXPECT_EQ(f.Run({"zscore", "z", "none"}), F::kNil);
  EXPECT_EQ(f.Run({"zmscore", "z", "a", "none"}), Arr({B("6"), F::kNil}));
  EXPECT_EQ(f.Run({"zcard", "z"}), F::Int(5));
  f.Run({"set", "s", "v"});
  EXPECT_EQ(f.Run({"zadd", "s", "x", "m"}), F::Err("ERR value is not a valid float"));
  EXPECT_EQ(f.Run({"zadd", "s", "1", "m"}),
            F::Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(f.Run({"type", "z"}), "+zset\r\n");
}

TEST_F(ZSetFamilyTest, Resp3RepliesUseDoublesAndPairs) {
  f.Run({"zadd", "z", "1", "a", "2.5", "b", "-inf", "c"});
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"zscore", "z", "b"}), D("2.5"));
  EXPECT_EQ(f.Run({"zscore", "z", "none"}), "_\r\n");
  EXPECT_EQ(f.Run({"zincrby", "z", "1", "a"}), D("2"));
  EXPECT_EQ(f.Run({"zrange", "z", "0", "1", "withscores"}),
            Arr({Arr({B("c"), D("-inf")}), Arr({B("a"), D("2")})}));
  EXPECT_EQ(f.Run({"zrange", "z", "0", "1"}), Arr({B("c"), B("a")}));
  EXPECT_EQ(f.Run({"zpopmin", "z"}), Arr({B("c"), D("-inf")}));
  EXPECT_EQ(f.Run({"zpopmax", "z", "1"}), Arr({Arr({B("b"), D("2.5")})}));
  EXPECT_EQ(f.Run({"zrandmember", "z", "1", "withscores"}), Arr({Arr({B("a"), D("2")})}));
  EXPECT_EQ(f.Run({"zrandmember", "none"}), "_\r\n");
  EXPECT_EQ(f.Run({"zscan", "z", "0"}), Arr({B("0"), Arr({B("a"), B("2")})}));
}

TEST_F(ZSetFamilyTest, RangeCommands) {
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(f.Run({"zrange", "z", "-2", "-1", "withscores"}),
            Arr({B("d"), B("4"), B("e"), B("5")}));
  EXPECT_EQ(f.Run({"zrange", "z", "0", "1", "rev"}), Arr({B("e"), B("d")}));
  EXPECT_EQ(f.Run({"zrevrange", "z", "0", "0"}), Arr({B("e")}));
  EXPECT_EQ(f.Run({"zrange", "z", "(1", "5", "byscore", "limit", "1", "2"}), Arr({B("c"), B("d")}));
  EXPECT_EQ(f.Run({"zrange", "z", "5", "(1", "byscore", "rev", "limit", "1", "2"}),
            Arr({B("d"), B("c")}));
  EXPECT_EQ(f.Run({"zrange", "z", "(1", "5", "byscore", "limit", "-1", "2"}), Arr({}));
  EXPECT_EQ(f.Run({"zrangebyscore", "z", "-inf", "(2"}), Arr({B("a")}));
  EXPECT_EQ(f.Run({"zrevrangebyscore", "z", "+inf", "4", "withscores"}),
            Arr({B("e"), B("5"), B("d"), B("4")}));
  EXPECT_EQ(f.Run({"zrange", "z", "0", "-1", "limit", "0", "1"}),
            F::Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
                   "or BYLEX"));
  EXPECT_EQ(f.Run({"zrange", "z", "0", "-1", "limit", "5", "-1"}).substr(0, 4), "*5\r\n");
  EXPECT_EQ(f.Run({"zrange", "z", "-", "+", "bylex", "withscores"}),
            F::Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  EXPECT_EQ(f.Run({"zrangebyscore", "z", "1", "5", "rev"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zrangebyscore", "z", "a", "5"}), F::Err("ERR min or max is not a float"));
  EXPECT_EQ(f.Run({"zrangebylex", "z", "a", "+"}),
            F::Err("ERR min or max not valid string range item"));
  EXPECT_EQ(f.Run({"zrange", "z", "a", "1"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"zrangebylex", "z", "[b", "(d"}), Arr({B("b"), B("c")}));
  EXPECT_EQ(f.Run({"zrevrangebylex", "z", "+", "-", "limit", "1", "2"}), Arr({B("d"), B("c")}));
  EXPECT_EQ(f.Run({"zcount", "z", "(1", "(5"}), F::Int(3));
  EXPECT_EQ(f.Run({"zlexcount", "z", "-", "+"}), F::Int(5));
  EXPECT_EQ(f.Run({"zrank", "z", "c"}), F::Int(2));
  EXPECT_EQ(f.Run({"zrevrank", "z", "c"}), F::Int(2));
  EXPECT_EQ(f.Run({"zrank", "z", "none"}), F::kNil);
  EXPECT_EQ(f.Run({"zrange", "none", "0", "-1"}), Arr({}));
}

TEST_F(ZSetFamilyTest, RemovalsDeleteEmptyKeys) {
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(f.Run({"zremrangebyscore", "z", "(1", "2"}), F::Int(1));
  EXPECT_EQ(f.Run({"zremrangebylex", "z", "-", "[a"}), F::Int(1));
  EXPECT_EQ(f.Run({"zremrangebyrank", "z", "5", "10"}), F::Int(0));
  EXPECT_EQ(f.Run({"zrem", "z", "c", "x"}), F::Int(1));
  EXPECT_EQ(f.Run({"exists", "z"}), F::Int(0));
  f.Run({"zadd", "z", "1", "a", "2", "b"});
  EXPECT_EQ(f.Run({"zpopmax", "z", "5"}), Arr({B("b"), B("2"), B("a"), B("1")}));
  EXPECT_EQ(f.Run({"exists", "z"}), F::Int(0));
  EXPECT_EQ(f.Run({"zpopmin", "z"}), Arr({}));
  EXPECT_EQ(f.Run({"zpopmin", "z", "-1"}), F::Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(f.Run({"zpopmin", "z", "1", "2"}), F::Err("ERR syntax error"));
}

TEST_F(ZSetFamilyTest, EncodingsFollowTheListpackLimits) {
  std::vector<std::string> args = {"zadd", "z"};
  for (int i = 0; i < 128; ++i) {
    args.push_back(std::to_string(i));
    args.push_back("m" + std::to_string(i));
  }
  f.Run(args);
  EXPECT_EQ(f.Run({"object", "encoding", "z"}), B("listpack"));
  f.Run({"zadd", "z", "0", "one-more"});
  EXPECT_EQ(f.Run({"object", "encoding", "z"}), B("skiplist"));
  EXPECT_EQ(f.Run({"zremrangebyrank", "z", "0", "-3"}), F::Int(127));
  EXPECT_EQ(f.Run({"object", "encoding", "z"}), B("skiplist"));
  f.Run({"zadd", "long", "1", std::string(65, 'x')});
  EXPECT_EQ(f.Run({"object", "encoding", "long"}), B("skiplist"));
  // -0 survives only in the skiplist encoding, as in Redis.
  f.Run({"zadd", "long", "-0", "n"});
  EXPECT_EQ(f.Run({"zscore", "long", "n"}), B("-0"));
  f.Run({"zadd", "small", "-0", "n"});
  EXPECT_EQ(f.Run({"zscore", "small", "n"}), B("0"));
  EXPECT_EQ(f.Run({"zrangestore", "copy", "z", "0", "-1"}), F::Int(2));
  EXPECT_EQ(f.Run({"object", "encoding", "copy"}), B("listpack"));
  // ZRANGESTORE of a rank range longer than the limit starts as a skiplist (-0 kept); a score
  // range fills a listpack first (-0 becomes 0 before the conversion), as in Redis 7.0.15.
  for (int i = 0; i < 140; ++i) f.Run({"zadd", "long", "1", "m" + std::to_string(i)});
  EXPECT_EQ(f.Run({"zrangestore", "byrank", "long", "0", "-1"}), F::Int(142));
  EXPECT_EQ(f.Run({"zscore", "byrank", "n"}), B("-0"));
  EXPECT_EQ(f.Run({"zrangestore", "byscore", "long", "-inf", "+inf", "byscore"}), F::Int(142));
  EXPECT_EQ(f.Run({"object", "encoding", "byscore"}), B("skiplist"));
  EXPECT_EQ(f.Run({"zscore", "byscore", "n"}), B("0"));
  EXPECT_EQ(f.Run({"zunionstore", "union", "1", "long"}), F::Int(142));
  EXPECT_EQ(f.Run({"zscore", "union", "n"}), B("-0"));
}

TEST_F(ZSetFamilyTest, StoreCommandsOverwriteAndDelete) {
  f.Run({"zadd", "a", "1", "x", "2", "y", "3", "z"});
  f.Run({"zadd", "b", "10", "y", "20", "z", "30", "w"});
  f.Run({"set", "dst", "string", "ex", "100"});
  EXPECT_EQ(f.Run({"zunionstore", "dst", "2", "a", "b", "weights", "1", "0.5"}), F::Int(4));
  EXPECT_EQ(f.Run({"ttl", "dst"}), F::Int(-1));
  EXPECT_EQ(f.Run({"zrange", "dst", "0", "-1", "withscores"}),
            Arr({B("x"), B("1"), B("y"), B("7"), B("z"), B("13"), B("w"), B("15")}));
  EXPECT_EQ(f.Run({"zinterstore", "dst", "2", "a", "b", "aggregate", "max"}), F::Int(2));
  EXPECT_EQ(f.Run({"zrange", "dst", "0", "-1", "withscores"}),
            Arr({B("y"), B("10"), B("z"), B("20")}));
  EXPECT_EQ(f.Run({"zdiffstore", "dst", "2", "a", "b"}), F::Int(1));
  EXPECT_EQ(f.Run({"zinterstore", "dst", "2", "a", "none"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "dst"}), F::Int(0));
  EXPECT_EQ(f.Run({"zunionstore", "dst", "0", "a"}),
            F::Err("ERR at least 1 input key is needed for 'zunionstore' command"));
  EXPECT_EQ(f.Run({"zunionstore", "dst", "3", "a", "b"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zunionstore", "dst", "2", "a", "b", "weights", "1", "x"}),
            F::Err("ERR weight value is not a float"));
  EXPECT_EQ(f.Run({"zdiffstore", "dst", "2", "a", "b", "weights", "1", "2"}),
            F::Err("ERR syntax error"));
  // inf * 0 and inf + -inf count as 0.
  EXPECT_EQ(f.Run({"zunionstore", "dst", "2", "a", "a", "weights", "inf", "-inf"}), F::Int(3));
  EXPECT_EQ(f.Run({"zscore", "dst", "x"}), B("0"));
  EXPECT_EQ(f.Run({"zrangestore", "dst", "a", "(1", "+inf", "byscore"}), F::Int(2));
  EXPECT_EQ(f.Run({"zrangestore", "dst", "none", "0", "-1"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "dst"}), F::Int(0));
  EXPECT_EQ(f.Run({"zunion", "2", "a", "b", "withscores"}).substr(0, 4), "*8\r\n");
  EXPECT_EQ(f.Run({"zintercard", "2", "a", "b", "limit", "1"}), F::Int(1));
}

TEST_F(ZSetFamilyTest, RandMemberAndScan) {
  EXPECT_EQ(f.Run({"zrandmember", "z", "-9223372036854775808"}),
            F::Err("ERR value is out of range, value must between -9223372036854775807 and "
                   "9223372036854775807"));
  EXPECT_EQ(f.Run({"zrandmember", "z", "9223372036854775807", "withscores"}),
            F::Err("ERR value is out of range"));
  EXPECT_EQ(f.Run({"zrandmember", "z", "1", "foo"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zrandmember", "z", "5"}), Arr({}));
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(f.Run({"zrandmember", "z", "5", "withscores"}).substr(0, 4), "*6\r\n");
  EXPECT_EQ(f.Run({"zrandmember", "z", "-7"}).substr(0, 4), "*7\r\n");
  EXPECT_EQ(f.Run({"zrandmember", "z", "2"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(f.Run({"zscan", "z", "0", "match", "[ab]"}),
            Arr({B("0"), Arr({B("a"), B("1"), B("b"), B("2")})}));
  EXPECT_EQ(f.Run({"zscan", "none", "0", "foo"}), Arr({B("0"), Arr({})}));
  EXPECT_EQ(f.Run({"zscan", "z", "0", "foo"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"zscan", "z", "x"}), F::Err("ERR invalid cursor"));
}

TEST_F(ZSetFamilyTest, LogsDeterministicForms) {
  RecordingLog log;
  f.server().command_log = &log;
  f.Run({"zadd", "z", "1", "a"});
  f.Run({"zincrby", "z", "0.5", "a"});
  f.Run({"zadd", "z", "incr", "2", "b"});
  f.Run({"zadd", "z", "nx", "5", "a"});  // no change: not logged
  f.Run({"zincrby", "z", "0", "a"});     // same score: not logged
  f.Run({"zrandmember", "z", "2"});      // read-only
  f.Run({"zrem", "z", "none"});          // nothing removed
  f.Run({"zpopmin", "z"});
  f.server().command_log = nullptr;
  EXPECT_EQ(log.records,
            (std::vector<std::string>{"zadd z 1 a", "ZADD z 1.5 a", "ZADD z 2 b", "zpopmin z"}));
}

TEST_F(ZSetFamilyTest, MemoryIsReturnedWhenTheKeyGoes) {
  f.Run({"set", "warmup", "v"});
  f.Run({"del", "warmup"});
  int64_t baseline = f.engine().DatasetBytes();
  for (int i = 0; i < 300; ++i) {
    f.Run({"zadd", "z", std::to_string(i % 17), "member-" + std::to_string(i)});
  }
  EXPECT_GT(f.engine().DatasetBytes(), baseline + 300 * 16);
  f.Run({"zremrangebyrank", "z", "0", "99"});
  f.Run({"zunionstore", "u", "1", "z"});
  f.Run({"zpopmax", "z", "50"});
  f.Run({"del", "u"});
  EXPECT_EQ(f.Run({"zremrangebyscore", "z", "-inf", "+inf"}), F::Int(150));
  EXPECT_EQ(f.Run({"exists", "z"}), F::Int(0));
  EXPECT_EQ(f.engine().DatasetBytes(), baseline);
}

}  // namespace
}  // namespace cachet
