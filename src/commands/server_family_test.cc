// Server, connection, client and config command tests through the in-process fixture.
#include <gtest/gtest.h>

#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;

class ServerFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(ServerFamilyTest, PingEchoUnknown) {
  EXPECT_EQ(f.Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(f.Run({"ping", "hi"}), F::Bulk("hi"));
  EXPECT_EQ(f.Run({"echo", "x"}), F::Bulk("x"));
  EXPECT_EQ(f.Run({"nosuch", "a", "b"}),
            F::Err("ERR unknown command 'nosuch', with args beginning with: 'a' 'b' "));
}

TEST_F(ServerFamilyTest, DbSizeFlushSwapSelect) {
  f.Run({"set", "a", "1"});
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(1));
  EXPECT_EQ(f.Run({"swapdb", "0", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(0));
  EXPECT_EQ(f.Run({"swapdb", "0", "x"}), F::Err("ERR invalid second DB index"));
  EXPECT_EQ(f.Run({"swapdb", "0", "16"}), F::Err("ERR DB index is out of range"));
  EXPECT_EQ(f.Run({"select", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(1));
  EXPECT_EQ(f.Run({"select", "16"}), F::Err("ERR DB index is out of range"));
  EXPECT_EQ(f.Run({"flushdb", "bogus"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"flushall", "async"}), F::kOk);
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(0));
}

TEST_F(ServerFamilyTest, AuthAndHello) {
  EXPECT_EQ(f.Run({"auth", "x"}).substr(0, 20), "-ERR AUTH <password>");
  EXPECT_EQ(f.Run({"config", "set", "requirepass", "secret"}), F::kOk);
  f.client().authenticated = false;
  EXPECT_EQ(f.Run({"get", "k"}), F::Err("NOAUTH Authentication required."));
  EXPECT_EQ(f.Run({"auth", "wrong"}),
            F::Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(f.Run({"auth", "secret"}), F::kOk);
  EXPECT_EQ(f.Run({"get", "k"}), F::kNil);
  std::string hello = f.Run({"hello", "3"});
  EXPECT_EQ(hello.substr(0, 3), "%7\r");
  EXPECT_EQ(f.Run({"get", "k"}), "_\r\n");
  EXPECT_EQ(f.Run({"hello", "4"}), F::Err("NOPROTO unsupported protocol version"));
  EXPECT_EQ(f.Run({"hello", "2", "setname"}), F::Err("ERR Syntax error in HELLO option 'setname'"));
}

TEST_F(ServerFamilyTest, ConfigGetSet) {
  EXPECT_EQ(f.Run({"config", "get", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(f.Run({"config", "set", "maxmemory", "10mb"}), F::kOk);
  EXPECT_EQ(f.engine().maxmemory(), 10 * 1024 * 1024);
  EXPECT_EQ(f.Run({"config", "set", "nope", "1"}),
            F::Err("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
  EXPECT_EQ(f.Run({"config", "set", "maxmemory", "x"}),
            F::Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
                   "must be a memory value"));
  // All or nothing: the bad second pair leaves the first untouched.
  EXPECT_EQ(f.Run({"config", "set", "timeout", "5", "maxclients", "x"}).substr(0, 18),
            "-ERR CONFIG SET fa");
  EXPECT_EQ(f.Run({"config", "get", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
}

TEST_F(ServerFamilyTest, OomWhenNothingCanBeEvicted) {
  for (int i = 0; i < 100; ++i) f.Run({"set", "k" + std::to_string(i), std::string(100, 'v')});
  f.engine().set_maxmemory(1);
  EXPECT_EQ(f.Run({"set", "x", "y"}),
            F::Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(f.Run({"get", "k1"}), F::Bulk(std::string(100, 'v')));  // reads still work
  EXPECT_EQ(f.Run({"del", "k1"}), F::Int(1));                       // and so do deletes
}

TEST_F(ServerFamilyTest, InfoAndCommandTable) {
  f.Run({"set", "a", "1"});
  f.Run({"get", "a"});
  std::string info = f.Run({"info", "all"});
  EXPECT_NE(info.find("redis_version:7.0.15"), std::string::npos);
  EXPECT_NE(info.find("db0:keys=1,expires=0"), std::string::npos);
  EXPECT_NE(info.find("cmdstat_get:calls=1"), std::string::npos);
  EXPECT_NE(info.find("keyspace_hits:1"), std::string::npos);
  EXPECT_NE(info.find("cachet_expire_lag_max_ms"), std::string::npos);
  EXPECT_EQ(f.Run({"info", "keyspace"}).find("# Server"), std::string::npos);
  std::string count = f.Run({"command", "count"});
  EXPECT_GT(std::stoi(count.substr(1)), 60);
  std::string get_info = f.Run({"command", "info", "get"});
  EXPECT_NE(get_info.find("$3\r\nget\r\n:2\r\n"), std::string::npos);
  EXPECT_NE(f.Run({"command", "docs", "set"}).find("Set the string value"), std::string::npos);
}

TEST_F(ServerFamilyTest, SlowlogRecordsOverThreshold) {
  f.server().slowlog_threshold_us.store(0);
  f.Run({"set", "a", "1"});
  EXPECT_EQ(f.Run({"slowlog", "len"}), F::Int(1));  // the SET (LEN is logged after it replies)
  std::string get = f.Run({"slowlog", "get", "1"});
  EXPECT_NE(get.find("slowlog"), std::string::npos);
  EXPECT_EQ(f.Run({"slowlog", "reset"}), F::kOk);
  EXPECT_EQ(f.Run({"slowlog", "get", "-2"}),
            F::Err("ERR count should be greater than or equal to -1"));
}

TEST_F(ServerFamilyTest, ClientSubcommands) {
  EXPECT_EQ(f.Run({"client", "id"}), F::Int(1));
  EXPECT_EQ(f.Run({"client", "getname"}), F::kNil);
  EXPECT_EQ(f.Run({"client", "setname", "web 1"}),
            F::Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(f.Run({"client", "setname", "web1"}), F::kOk);
  EXPECT_EQ(f.Run({"client", "getname"}), F::Bulk("web1"));
  EXPECT_NE(f.Run({"client", "list"}).find("name=web1"), std::string::npos);
  EXPECT_EQ(f.Run({"client", "kill", "1.2.3.4:5"}), F::Err("ERR No such client"));
  EXPECT_EQ(f.Run({"client", "kill", "id", "99"}), F::Int(0));
}

}  // namespace
}  // namespace cachet
