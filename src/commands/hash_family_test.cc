// Hash command tests through the in-process fixture: HSCAN's order of checks, HRANDFIELD's
// count errors and the listpack/hashtable thresholds (defaults and CONFIG SET).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;
const std::string kWrongType =
    F::Err("WRONGTYPE Operation against a key holding the wrong kind of value");
const std::string kEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n";

class HashFamilyTest : public ::testing::Test {
 protected:
  F f_;
};

TEST_F(HashFamilyTest, ScanLooksUpTheKeyBeforeTheOptions) {
  EXPECT_EQ(f_.Run({"hscan", "nokey", "0", "COUNT", "0"}), kEmptyScan);
  EXPECT_EQ(f_.Run({"hscan", "nokey", "0", "FOO"}), kEmptyScan);
  EXPECT_EQ(f_.Run({"hscan", "nokey", "abc"}), F::Err("ERR invalid cursor"));
  f_.Run({"set", "str", "v"});
  EXPECT_EQ(f_.Run({"hscan", "str", "0", "COUNT", "0"}), kWrongType);
  EXPECT_EQ(f_.Run({"hscan", "str", "abc"}), F::Err("ERR invalid cursor"));
  f_.Run({"hset", "h", "f", "v"});
  EXPECT_EQ(f_.Run({"hscan", "h", "0", "COUNT", "0"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f_.Run({"hscan", "h", "0", "NOVALUES"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f_.Run({"hscan", "h", "0", "COUNT", "5"}),
            "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  // SSCAN and ZSCAN follow the same order.
  EXPECT_EQ(f_.Run({"sscan", "nokey", "0", "COUNT", "0"}), kEmptyScan);
  EXPECT_EQ(f_.Run({"zscan", "nokey", "0", "COUNT", "0"}), kEmptyScan);
  EXPECT_EQ(f_.Run({"sscan", "str", "0", "COUNT", "0"}), kWrongType);
  EXPECT_EQ(f_.Run({"zscan", "str", "0", "FOO"}), kWrongType);
}

TEST_F(HashFamilyTest, RandFieldCountRangeErrorsMatchRedis) {
  const std::string kRange = F::Err(
      "ERR value is out of range, value must between -9223372036854775807 and "
      "9223372036854775807");
  const std::string kOutOfRange = F::Err("ERR value is out of range");
  f_.Run({"hset", "h", "f", "v"});
  f_.Run({"set", "str", "v"});
  for (const char* key : {"h", "nokey", "str"}) {
    EXPECT_EQ(f_.Run({"hrandfield", key, "-9223372036854775808"}), kRange) << key;
  }
  EXPECT_EQ(f_.Run({"hrandfield", "h", "-9223372036854775808", "WITHVALUES"}), kRange);
  EXPECT_EQ(f_.Run({"hrandfield", "h", "-9223372036854775808", "foo"}), kRange);
  EXPECT_EQ(f_.Run({"hrandfield", "h", "1", "foo"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f_.Run({"hrandfield", "h", "-4611686018427387904", "WITHVALUES"}), kOutOfRange);
  EXPECT_EQ(f_.Run({"hrandfield", "h", "4611686018427387904", "WITHVALUES"}), kOutOfRange);
  EXPECT_EQ(f_.Run({"hrandfield", "h", "4611686018427387903", "WITHVALUES"}),
            "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(f_.Run({"hrandfield", "h", "9223372036854775808"}),
            F::Err("ERR value is not an integer or out of range"));
  f_.Run({"sadd", "s", "a"});
  f_.Run({"zadd", "z", "1", "a"});
  EXPECT_EQ(f_.Run({"srandmember", "s", "-9223372036854775808"}), kRange);
  EXPECT_EQ(f_.Run({"zrandmember", "z", "-9223372036854775808", "WITHSCORES"}), kRange);
  EXPECT_EQ(f_.Run({"zrandmember", "z", "4611686018427387904", "WITHSCORES"}), kOutOfRange);
}

void FillHash(F& f, const std::string& key, int n) {
  std::vector<std::string> args = {"hset", key};
  for (int i = 0; i < n; ++i) {
    args.push_back("f" + std::to_string(i));
    args.push_back("v");
  }
  f.Run(args);
}

TEST_F(HashFamilyTest, EncodingDefaultsAreRedis70s) {
  auto get = [&](const std::string& name) { return f_.Run({"config", "get", name}); };
  auto pair = [](const std::string& name, const std::string& value) {
    return "*2\r\n" + F::Bulk(name) + F::Bulk(value);
  };
  EXPECT_EQ(get("hash-max-listpack-entries"), pair("hash-max-listpack-entries", "512"));
  EXPECT_EQ(get("hash-max-ziplist-entries"), pair("hash-max-ziplist-entries", "512"));
  EXPECT_EQ(get("hash-max-listpack-value"), pair("hash-max-listpack-value", "64"));
  EXPECT_EQ(get("hash-max-ziplist-value"), pair("hash-max-ziplist-value", "64"));
  EXPECT_EQ(get("set-max-intset-entries"), pair("set-max-intset-entries", "512"));
  EXPECT_EQ(get("zset-max-listpack-entries"), pair("zset-max-listpack-entries", "128"));
  EXPECT_EQ(get("zset-max-ziplist-entries"), pair("zset-max-ziplist-entries", "128"));
  EXPECT_EQ(get("zset-max-listpack-value"), pair("zset-max-listpack-value", "64"));
  EXPECT_EQ(get("zset-max-ziplist-value"), pair("zset-max-ziplist-value", "64"));
  EXPECT_EQ(get("set-max-listpack-entries"), "*0\r\n");  // Redis 7.2's option
  FillHash(f_, "h", 512);
  EXPECT_EQ(f_.Run({"object", "encoding", "h"}), F::Bulk("listpack"));
  FillHash(f_, "h", 513);
  EXPECT_EQ(f_.Run({"object", "encoding", "h"}), F::Bulk("hashtable"));
}

TEST_F(HashFamilyTest, ConfigSetMovesTheThresholds) {
  EXPECT_EQ(f_.Run({"config", "set", "hash-max-ziplist-entries", "3"}), F::kOk);
  EXPECT_EQ(f_.Run({"config", "get", "hash-max-listpack-entries"}),
            "*2\r\n" + F::Bulk("hash-max-listpack-entries") + F::Bulk("3"));
  FillHash(f_, "a", 3);
  EXPECT_EQ(f_.Run({"object", "encoding", "a"}), F::Bulk("listpack"));
  FillHash(f_, "a", 4);
  EXPECT_EQ(f_.Run({"object", "encoding", "a"}), F::Bulk("hashtable"));
  EXPECT_EQ(f_.Run({"config", "set", "hash-max-listpack-value", "1kb"}), F::kOk);
  f_.Run({"hset", "b", "f", std::string(1024, 'x')});
  EXPECT_EQ(f_.Run({"object", "encoding", "b"}), F::Bulk("listpack"));
  f_.Run({"hset", "b", "g", std::string(1025, 'x')});
  EXPECT_EQ(f_.Run({"object", "encoding", "b"}), F::Bulk("hashtable"));
  EXPECT_EQ(f_.Run({"config", "set", "hash-max-listpack-entries", "-1"}),
            F::Err("ERR CONFIG SET failed (possibly related to argument "
                   "'hash-max-listpack-entries') - argument must be between 0 and "
                   "9223372036854775807 inclusive"));
  EXPECT_EQ(f_.Run({"config", "set", "zset-max-listpack-entries", "1k"}),
            F::Err("ERR CONFIG SET failed (possibly related to argument "
                   "'zset-max-listpack-entries') - argument couldn't be parsed into an integer"));
  EXPECT_EQ(f_.Run({"config", "set", "zset-max-listpack-entries", "1"}), F::kOk);
  f_.Run({"zadd", "z", "1", "a", "2", "b"});
  EXPECT_EQ(f_.Run({"object", "encoding", "z"}), F::Bulk("skiplist"));
  EXPECT_EQ(f_.Run({"config", "set", "set-max-intset-entries", "1"}), F::kOk);
  f_.Run({"sadd", "s", "1", "2"});
  EXPECT_EQ(f_.Run({"object", "encoding", "s"}), F::Bulk("hashtable"));
}

}  // namespace
}  // namespace cachet
