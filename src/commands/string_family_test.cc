// String command tests through the in-process fixture (fake clock for TTLs).
#include <gtest/gtest.h>

#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;

class StringFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(StringFamilyTest, SetGetAndOptions) {
  EXPECT_EQ(f.Run({"set", "k", "v"}), F::kOk);
  EXPECT_EQ(f.Run({"GET", "k"}), F::Bulk("v"));
  EXPECT_EQ(f.Run({"set", "k", "w", "nx"}), F::kNil);
  EXPECT_EQ(f.Run({"set", "new", "w", "xx"}), F::kNil);
  EXPECT_EQ(f.Run({"set", "k", "w", "xx", "get"}), F::Bulk("v"));
  EXPECT_EQ(f.Run({"set", "k", "x", "nx", "xx"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"set", "k", "x", "ex", "10", "px", "100"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"set", "k", "x", "ex", "0"}),
            F::Err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(f.Run({"set", "k", "x", "ex", "abc"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"set", "k", "x", "keepttl", "ex", "5"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"get"}), F::Err("ERR wrong number of arguments for 'get' command"));
}

TEST_F(StringFamilyTest, TtlOptionsOnTheFakeClock) {
  EXPECT_EQ(f.Run({"set", "k", "v", "px", "100"}), F::kOk);
  EXPECT_EQ(f.Run({"pttl", "k"}), F::Int(100));
  EXPECT_EQ(f.Run({"set", "k", "v2", "keepttl"}), F::kOk);
  EXPECT_EQ(f.Run({"pttl", "k"}), F::Int(100));
  f.clock().AdvanceMs(101);
  EXPECT_EQ(f.Run({"get", "k"}), F::kNil);
  EXPECT_EQ(f.Run({"setex", "s", "10", "v"}), F::kOk);
  EXPECT_EQ(f.Run({"ttl", "s"}), F::Int(10));
  EXPECT_EQ(f.Run({"setex", "s", "-1", "v"}), F::Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(f.Run({"psetex", "p", "1500", "v"}), F::kOk);
  EXPECT_EQ(f.Run({"ttl", "p"}), F::Int(2));  // rounded like Redis
  EXPECT_EQ(f.Run({"set", "s", "plain"}), F::kOk);
  EXPECT_EQ(f.Run({"ttl", "s"}), F::Int(-1));  // SET clears the TTL
}

TEST_F(StringFamilyTest, GetExGetDelGetSet) {
  f.Run({"set", "k", "v"});
  EXPECT_EQ(f.Run({"getex", "k", "ex", "100"}), F::Bulk("v"));
  EXPECT_EQ(f.Run({"ttl", "k"}), F::Int(100));
  EXPECT_EQ(f.Run({"getex", "k", "persist"}), F::Bulk("v"));
  EXPECT_EQ(f.Run({"ttl", "k"}), F::Int(-1));
  EXPECT_EQ(f.Run({"getex", "k", "pxat", "1"}), F::Bulk("v"));
  EXPECT_EQ(f.Run({"exists", "k"}), F::Int(0));
  EXPECT_EQ(f.Run({"getex", "missing"}), F::kNil);
  EXPECT_EQ(f.Run({"getex", "k", "nx"}), F::Err("ERR syntax error"));
  f.Run({"set", "d", "1"});
  EXPECT_EQ(f.Run({"getdel", "d"}), F::Bulk("1"));
  EXPECT_EQ(f.Run({"getdel", "d"}), F::kNil);
  EXPECT_EQ(f.Run({"getset", "g", "a"}), F::kNil);
  EXPECT_EQ(f.Run({"getset", "g", "b"}), F::Bulk("a"));
}

TEST_F(StringFamilyTest, MultiKey) {
  EXPECT_EQ(f.Run({"mset", "a", "1", "b", "2"}), F::kOk);
  EXPECT_EQ(f.Run({"mget", "a", "x", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(f.Run({"mset", "a"}), F::Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(f.Run({"mset", "a", "1", "b"}),
            F::Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(f.Run({"msetnx", "a", "9", "c", "3"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "c"}), F::Int(0));
  EXPECT_EQ(f.Run({"msetnx", "c", "3", "d", "4"}), F::Int(1));
}

TEST_F(StringFamilyTest, Counters) {
  EXPECT_EQ(f.Run({"incr", "n"}), F::Int(1));
  EXPECT_EQ(f.Run({"incrby", "n", "41"}), F::Int(42));
  EXPECT_EQ(f.Run({"decrby", "n", "2"}), F::Int(40));
  EXPECT_EQ(f.Run({"decr", "n"}), F::Int(39));
  EXPECT_EQ(f.Run({"object", "encoding", "n"}), F::Bulk("int"));
  f.Run({"set", "big", "9223372036854775807"});
  EXPECT_EQ(f.Run({"incr", "big"}), F::Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(f.Run({"decrby", "n", "-9223372036854775808"}), F::Err("ERR decrement would overflow"));
  f.Run({"set", "s", "abc"});
  EXPECT_EQ(f.Run({"incr", "s"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"incrby", "n", "1.5"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"incrbyfloat", "fl", "10.5"}), F::Bulk("10.5"));
  EXPECT_EQ(f.Run({"incrbyfloat", "fl", "0.1"}), F::Bulk("10.6"));
  EXPECT_EQ(f.Run({"incrbyfloat", "fl", "-5.6"}), F::Bulk("5"));
  EXPECT_EQ(f.Run({"incrbyfloat", "fl", "inf"}),
            F::Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(f.Run({"incrbyfloat", "fl", "x"}), F::Err("ERR value is not a valid float"));
  f.Run({"set", "t", "5", "ex", "100"});
  f.Run({"incr", "t"});
  EXPECT_EQ(f.Run({"ttl", "t"}), F::Int(100));  // INCR keeps the TTL
}

TEST_F(StringFamilyTest, AppendRangesAndEncodings) {
  EXPECT_EQ(f.Run({"append", "a", "123"}), F::Int(3));
  EXPECT_EQ(f.Run({"object", "encoding", "a"}), F::Bulk("int"));
  EXPECT_EQ(f.Run({"append", "a", "456"}), F::Int(6));
  EXPECT_EQ(f.Run({"object", "encoding", "a"}), F::Bulk("raw"));
  EXPECT_EQ(f.Run({"get", "a"}), F::Bulk("123456"));
  for (int i = 0; i < 200; ++i) f.Run({"append", "grow", "0123456789"});
  EXPECT_EQ(f.Run({"strlen", "grow"}), F::Int(2000));
  EXPECT_EQ(f.Run({"getrange", "a", "1", "3"}), F::Bulk("234"));
  EXPECT_EQ(f.Run({"getrange", "a", "-2", "-1"}), F::Bulk("56"));
  EXPECT_EQ(f.Run({"getrange", "a", "5", "1"}), F::Bulk(""));
  EXPECT_EQ(f.Run({"getrange", "a", "-1", "-5"}), F::Bulk(""));
  EXPECT_EQ(f.Run({"getrange", "a", "0", "100"}), F::Bulk("123456"));
  EXPECT_EQ(f.Run({"getrange", "nokey", "0", "1"}), F::Bulk(""));
  EXPECT_EQ(f.Run({"setrange", "r", "5", "x"}), F::Int(6));
  EXPECT_EQ(f.Run({"get", "r"}), F::Bulk(std::string(5, '\0') + "x"));
  EXPECT_EQ(f.Run({"setrange", "r", "0", "ab"}), F::Int(6));
  EXPECT_EQ(f.Run({"setrange", "r", "-1", "ab"}), F::Err("ERR offset is out of range"));
  EXPECT_EQ(f.Run({"setrange", "empty", "10", ""}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "empty"}), F::Int(0));
  EXPECT_EQ(f.Run({"setrange", "r", "536870911", "ab"}),
            F::Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  f.Run({"set", "e", "hello"});
  EXPECT_EQ(f.Run({"object", "encoding", "e"}), F::Bulk("embstr"));
  f.Run({"set", "l", std::string(45, 'x')});
  EXPECT_EQ(f.Run({"object", "encoding", "l"}), F::Bulk("raw"));
}

TEST_F(StringFamilyTest, Resp3Nulls) {
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"get", "missing"}), "_\r\n");
}

}  // namespace
}  // namespace cachet

namespace cachet {
namespace {

TEST(StringLcsTest, RepliesAndErrors) {
  CommandFixture f;
  using F = CommandFixture;
  EXPECT_EQ(f.Run({"mset", "a", "ohmytext", "b", "mynewtext"}), F::kOk);
  EXPECT_EQ(f.Run({"lcs", "a", "b"}), F::Bulk("mytext"));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "len"}), F::Int(6));
  EXPECT_EQ(f.Run({"lcs", "a", "missing"}), F::Bulk(""));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  EXPECT_EQ(f.Run({"lcs", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "$3\r\nlen\r\n:6\r\n");
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"lcs", "a", "b", "idx", "minmatchlen", "9"}),
            "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n");
  f.set_protocol(2);
  EXPECT_EQ(f.Run({"lcs", "a", "b", "minmatchlen", "-3", "len"}), F::Int(6));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "len", "idx"}),
            F::Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "minmatchlen"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "minmatchlen", "x"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"lcs", "a", "b", "foo"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"lcs", "a"}), F::Err("ERR wrong number of arguments for 'lcs' command"));
  EXPECT_EQ(f.Run({"lpush", "l", "x"}), F::Int(1));
  EXPECT_EQ(f.Run({"lcs", "a", "l", "foo"}),
            F::Err("ERR The specified keys must contain string values"));
  EXPECT_EQ(f.Run({"config", "set", "proto-max-bulk-len", "1mb"}), F::kOk);
  EXPECT_EQ(f.Run({"mset", "x", std::string(1000, 'a'), "y", std::string(1000, 'a')}), F::kOk);
  EXPECT_EQ(f.Run({"lcs", "x", "y", "len"}),
            F::Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
}

}  // namespace
}  // namespace cachet
