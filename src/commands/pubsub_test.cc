// PubSubRegistry fan-out and the pub/sub and keyspace-notification commands through the
// in-process fixture (the fixture's client receives its own messages in its reply).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/pubsub_registry.h"
#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;

class RecordingClient : public ClientHandle {
 public:
  explicit RecordingClient(uint64_t id, int resp = 2) {
    info_.id = id;
    info_.resp.store(resp);
  }
  ClientInfo& info() override { return info_; }
  void RequestClose() override {}
  void Deliver(std::string bytes) override { received += bytes; }
  std::string received;

 private:
  ClientInfo info_;
};

TEST(PubSubRegistryTest, ChannelsPatternsAndCounts) {
  PubSubRegistry r;
  auto a = std::make_shared<RecordingClient>(10);
  auto b = std::make_shared<RecordingClient>(11, 3);
  EXPECT_EQ(r.Publish("news", "x"), 0);
  EXPECT_FALSE(r.has_subscribers());
  EXPECT_TRUE(r.Subscribe("news", a));
  EXPECT_FALSE(r.Subscribe("news", a));
  EXPECT_TRUE(r.PSubscribe("n*", a));
  EXPECT_TRUE(r.PSubscribe("n*", b));
  EXPECT_EQ(r.Publish("news", "hi"), 3);
  EXPECT_EQ(a->received,
            PubSubFrame({"message", "news", "hi"}) + PubSubFrame({"pmessage", "n*", "news", "hi"}));
  std::string push = PubSubFrame({"pmessage", "n*", "news", "hi"});
  push[0] = '>';
  EXPECT_EQ(b->received, push);
  EXPECT_EQ(r.NumSub("news"), 1);
  EXPECT_EQ(r.pattern_count(), 1u);
  EXPECT_EQ(r.Channels(""), std::vector<std::string>{"news"});
  EXPECT_TRUE(r.Channels("x*").empty());
  EXPECT_TRUE(r.Unsubscribe("news", 10));
  EXPECT_FALSE(r.Unsubscribe("news", 10));
  EXPECT_EQ(r.channel_count(), 0u);
  EXPECT_TRUE(r.PUnsubscribe("n*", 10));
  EXPECT_TRUE(r.PUnsubscribe("n*", 11));
  EXPECT_EQ(r.pattern_count(), 0u);
  EXPECT_FALSE(r.has_subscribers());
}

TEST(PubSubRegistryTest, GoneClientIsSkipped) {
  PubSubRegistry r;
  auto a = std::make_shared<RecordingClient>(10);
  r.Subscribe("c", a);
  a.reset();
  EXPECT_EQ(r.Publish("c", "m"), 1);  // counted as Redis would until it unsubscribes
}

class PubSubCommandTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(PubSubCommandTest, SubscribedModeInResp2) {
  EXPECT_EQ(f.Run({"unsubscribe"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(f.Run({"subscribe", "a", "b"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
  EXPECT_EQ(f.Run({"get", "x"}),
            F::Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                   "QUIT / RESET are allowed in this context"));
  EXPECT_EQ(f.Run({"client", "list"}).substr(0, 32), "-ERR Can't execute 'client|list'");
  EXPECT_EQ(f.Run({"ping"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(f.Run({"ping", "hi"}), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
  EXPECT_EQ(f.Run({"psubscribe", "x*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n");
  EXPECT_EQ(f.client().info->sub.load(), 2);
  EXPECT_EQ(f.client().info->psub.load(), 1);
  EXPECT_EQ(f.Run({"reset"}), "+RESET\r\n");
  EXPECT_FALSE(f.client().pubsub);
  EXPECT_EQ(f.pubsub().channel_count(), 0u);
  EXPECT_EQ(f.pubsub().pattern_count(), 0u);
  EXPECT_EQ(f.Run({"get", "x"}), F::kNil);
}

TEST_F(PubSubCommandTest, Resp3PushBeforePublishReply) {
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"subscribe", "a"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(f.Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(f.Run({"publish", "a", "1"}), ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n1\r\n:1\r\n");
  EXPECT_EQ(f.Run({"pubsub", "numsub", "a", "b"}), "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:0\r\n");
  EXPECT_EQ(f.Run({"pubsub", "channels"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(f.Run({"pubsub", "channels", "b*"}), "*0\r\n");
  EXPECT_EQ(f.Run({"pubsub", "numpat"}), F::Int(0));
  EXPECT_EQ(f.Run({"pubsub", "channels", "a", "b"}),
            F::Err("ERR unknown subcommand or wrong number of arguments for 'channels'. Try "
                   "PUBSUB HELP."));
  EXPECT_EQ(f.Run({"unsubscribe"}), ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  EXPECT_EQ(f.Run({"punsubscribe"}), ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubSubCommandTest, NotifyKeyspaceEventsConfig) {
  EXPECT_EQ(f.Run({"config", "set", "notify-keyspace-events", "KEA"}), F::kOk);
  EXPECT_EQ(f.Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n");
  EXPECT_EQ(f.Run({"config", "set", "notify-keyspace-events", "KZ"}),
            F::Err("ERR CONFIG SET failed (possibly related to argument "
                   "'notify-keyspace-events') - Invalid event class character. Use "
                   "'Ag$lshzxeKEtmdn'."));
}

TEST_F(PubSubCommandTest, KeyspaceAndKeyeventMessages) {
  f.Run({"config", "set", "notify-keyspace-events", "KEA"});
  f.set_protocol(3);
  f.Run({"psubscribe", "__key*__:*"});
  std::string out = f.Run({"set", "k", "v"});
  EXPECT_NE(out.find("$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 5), "+OK\r\n");
  out = f.Run({"pexpire", "k", "10"});
  EXPECT_NE(out.find("__keyevent@0__:expire"), std::string::npos) << out;
  f.clock().AdvanceMs(20);
  out = f.Run({"get", "k"});
  EXPECT_NE(out.find("__keyevent@0__:expired\r\n$1\r\nk"), std::string::npos) << out;
  out = f.Run({"sadd", "s", "a"});
  EXPECT_NE(out.find("__keyevent@0__:sadd"), std::string::npos) << out;
  out = f.Run({"srem", "s", "a"});
  size_t srem = out.find("__keyevent@0__:srem"), del = out.find("__keyevent@0__:del");
  EXPECT_NE(srem, std::string::npos) << out;
  EXPECT_NE(del, std::string::npos) << out;
  EXPECT_LT(srem, del);
  f.Run({"config", "set", "notify-keyspace-events", ""});
  EXPECT_EQ(f.Run({"set", "k", "v"}), F::kOk);
}

}  // namespace
}  // namespace cachet
