// Key and TTL command tests through the in-process fixture.
#include <gtest/gtest.h>

#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;

class KeyFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(KeyFamilyTest, DelExistsTypeTouch) {
  f.Run({"mset", "a", "1", "b", "2"});
  EXPECT_EQ(f.Run({"exists", "a", "a", "z"}), F::Int(2));
  EXPECT_EQ(f.Run({"type", "a"}), "+string\r\n");
  EXPECT_EQ(f.Run({"type", "z"}), "+none\r\n");
  EXPECT_EQ(f.Run({"touch", "a", "z"}), F::Int(1));
  EXPECT_EQ(f.Run({"del", "a", "b", "z"}), F::Int(2));
  EXPECT_EQ(f.Run({"unlink", "a"}), F::Int(0));
}

TEST_F(KeyFamilyTest, ExpireFamily) {
  f.Run({"set", "k", "v"});
  EXPECT_EQ(f.Run({"ttl", "k"}), F::Int(-1));
  EXPECT_EQ(f.Run({"ttl", "none"}), F::Int(-2));
  EXPECT_EQ(f.Run({"expire", "k", "100", "xx"}), F::Int(0));
  EXPECT_EQ(f.Run({"expire", "k", "100", "nx"}), F::Int(1));
  EXPECT_EQ(f.Run({"expire", "k", "50", "gt"}), F::Int(0));
  EXPECT_EQ(f.Run({"expire", "k", "200", "gt"}), F::Int(1));
  EXPECT_EQ(f.Run({"expire", "k", "300", "lt"}), F::Int(0));
  EXPECT_EQ(f.Run({"pexpire", "k", "1500", "lt"}), F::Int(1));
  EXPECT_EQ(f.Run({"pttl", "k"}), F::Int(1500));
  int64_t now = f.clock().NowMs();
  EXPECT_EQ(f.Run({"pexpiretime", "k"}), F::Int(now + 1500));
  EXPECT_EQ(f.Run({"expire", "k", "1", "nx", "xx"}),
            F::Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(f.Run({"expire", "k", "1", "gt", "lt"}),
            F::Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(f.Run({"expire", "k", "1", "foo"}), F::Err("ERR Unsupported option foo"));
  EXPECT_EQ(f.Run({"expire", "k", "9223372036854775807"}),
            F::Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(f.Run({"persist", "k"}), F::Int(1));
  EXPECT_EQ(f.Run({"persist", "k"}), F::Int(0));
  EXPECT_EQ(f.Run({"expire", "k", "-1"}), F::Int(1));  // in the past: deleted
  EXPECT_EQ(f.Run({"exists", "k"}), F::Int(0));
  f.Run({"set", "at", "v"});
  EXPECT_EQ(f.Run({"expireat", "at", std::to_string(now / 1000 + 100)}), F::Int(1));
  EXPECT_EQ(f.Run({"expiretime", "at"}), F::Int(now / 1000 + 100));
}

TEST_F(KeyFamilyTest, RenameAndCopy) {
  EXPECT_EQ(f.Run({"rename", "x", "y"}), F::Err("ERR no such key"));
  f.Run({"set", "x", "1", "ex", "100"});
  EXPECT_EQ(f.Run({"rename", "x", "x"}), F::kOk);
  EXPECT_EQ(f.Run({"rename", "x", "y"}), F::kOk);
  EXPECT_EQ(f.Run({"ttl", "y"}), F::Int(100));
  EXPECT_EQ(f.Run({"exists", "x"}), F::Int(0));
  f.Run({"set", "z", "2"});
  EXPECT_EQ(f.Run({"renamenx", "y", "z"}), F::Int(0));
  EXPECT_EQ(f.Run({"copy", "y", "z"}), F::Int(0));
  EXPECT_EQ(f.Run({"copy", "y", "z", "replace"}), F::Int(1));
  EXPECT_EQ(f.Run({"get", "z"}), F::Bulk("1"));
  EXPECT_EQ(f.Run({"copy", "y", "y"}), F::Err("ERR source and destination objects are the same"));
  EXPECT_EQ(f.Run({"copy", "y", "y", "db", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"copy", "y", "y", "db", "99"}), F::Err("ERR DB index is out of range"));
  EXPECT_EQ(f.Run({"select", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"get", "y"}), F::Bulk("1"));
}

TEST_F(KeyFamilyTest, KeysScanRandomKey) {
  EXPECT_EQ(f.Run({"randomkey"}), F::kNil);
  for (int i = 0; i < 50; ++i) f.Run({"set", "user:" + std::to_string(i), "v"});
  f.Run({"set", "other", "v"});
  std::string keys = f.Run({"keys", "user:1?"});
  EXPECT_EQ(keys.substr(0, 5), "*10\r\n");
  EXPECT_EQ(f.Run({"scan", "abc"}), F::Err("ERR invalid cursor"));
  EXPECT_EQ(f.Run({"scan", "0", "count", "0"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"scan", "0", "bogus", "1"}), F::Err("ERR syntax error"));
  // A full iteration with MATCH returns exactly the matching keys.
  std::string cursor = "0";
  int found = 0;
  do {
    std::string r = f.Run({"scan", cursor, "match", "user:*", "count", "7"});
    size_t a = r.find("\r\n", 4);
    size_t len_end = r.find("\r\n", 4);
    cursor = r.substr(len_end + 2, r.find("\r\n", len_end + 2) - len_end - 2);
    size_t star = r.find('*', len_end + 2);
    found += std::stoi(r.substr(star + 1));
    (void)a;
  } while (cursor != "0");
  EXPECT_EQ(found, 50);
}

TEST_F(KeyFamilyTest, ObjectSubcommands) {
  f.Run({"set", "k", "v"});
  EXPECT_EQ(f.Run({"object", "idletime", "k"}), F::Int(0));
  EXPECT_EQ(f.Run({"object", "freq", "k"}).substr(0, 33), "-ERR An LFU maxmemory policy is n");
  EXPECT_EQ(f.Run({"object", "encoding", "missing"}), F::kNil);
  EXPECT_EQ(f.Run({"object", "nope", "k"}),
            F::Err("ERR unknown subcommand 'nope'. Try OBJECT HELP."));
  EXPECT_EQ(f.Run({"object"}), F::Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(f.Run({"object", "encoding"}),
            F::Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(f.Run({"config", "set", "maxmemory-policy", "allkeys-lfu"}), F::kOk);
  f.Run({"set", "k2", "v"});
  EXPECT_EQ(f.Run({"object", "freq", "k2"}), F::Int(5));
  EXPECT_EQ(f.Run({"object", "idletime", "k2"}).substr(0, 33), "-ERR An LFU maxmemory policy is s");
}

}  // namespace
}  // namespace cachet
