// MULTI/EXEC/WATCH through the in-process fixture: queueing and EXECABORT, WATCH voided by
// writes, expiry and flushes (and not by removing a key that was already expired when
// watched), and the MULTI/EXEC bracket around a transaction's logged writes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/test_fixture.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using F = CommandFixture;

class RecordingLog : public CommandLog {
 public:
  void Append(int db, std::span<const std::string_view> args) override {
    std::string line = std::to_string(db);
    for (std::string_view a : args) line += " " + std::string(a);
    records.push_back(line);
  }
  std::vector<std::string> records;
};

TEST(TransactionTest, QueuesAndRunsInOrder) {
  F f;
  EXPECT_EQ(f.Run({"multi"}), F::kOk);
  EXPECT_EQ(f.Run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"incr", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"lpush", "a", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"get", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"exec"}),
            "*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of "
            "value\r\n$1\r\n2\r\n");
  EXPECT_EQ(f.Run({"exec"}), F::Err("ERR EXEC without MULTI"));
  EXPECT_EQ(f.Run({"discard"}), F::Err("ERR DISCARD without MULTI"));
}

TEST(TransactionTest, QueueingErrorsAbortExec) {
  F f;
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"multi"}), F::Err("ERR MULTI calls can not be nested"));
  EXPECT_EQ(f.Run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(f.Run({"exec"}), "*1\r\n+OK\r\n");  // a nested MULTI does not abort

  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"nosuch"}, {"set", "a"}, {"config", "foo"}, {"shutdown"}, {"save"}}) {
    f.Run({"multi"});
    f.Run({"set", "b", "1"});
    f.Run(bad);
    EXPECT_EQ(f.Run({"exec"}),
              F::Err("EXECABORT Transaction discarded because of previous errors."))
        << bad[0];
  }
  EXPECT_EQ(f.Run({"exists", "b"}), F::Int(0));
  EXPECT_EQ(f.Run({"multi"}), F::kOk);
  EXPECT_EQ(f.Run({"exec", "x"}),
            F::Err("EXECABORT Transaction discarded because of: wrong number of arguments for "
                   "'exec' command"));
  EXPECT_EQ(f.Run({"exec"}), F::Err("ERR EXEC without MULTI"));
}

TEST(TransactionTest, OwnWriteAfterWatchVoidsExec) {
  F f;
  EXPECT_EQ(f.Run({"watch", "k", "k"}), F::kOk);
  f.Run({"set", "k", "1"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"watch", "j"}), F::Err("ERR WATCH inside MULTI is not allowed"));
  f.Run({"set", "k", "2"});
  EXPECT_EQ(f.Run({"exec"}), "*-1\r\n");
  EXPECT_EQ(f.Run({"get", "k"}), F::Bulk("1"));
  // EXEC unwatched: the next transaction runs.
  f.Run({"multi"});
  f.Run({"set", "k", "3"});
  EXPECT_EQ(f.Run({"exec"}), "*1\r\n+OK\r\n");
  // UNWATCH forgets the change.
  f.Run({"watch", "k"});
  f.Run({"set", "k", "4"});
  f.Run({"unwatch"});
  f.Run({"multi"});
  f.Run({"get", "k"});
  EXPECT_EQ(f.Run({"exec"}), "*1\r\n$1\r\n4\r\n");
  f.set_protocol(3);
  f.Run({"watch", "k"});
  f.Run({"del", "k"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "_\r\n");
}

TEST(TransactionTest, ExpiryOfAWatchedKeyVoidsExec) {
  F f;
  f.Run({"set", "k", "v", "px", "100"});
  f.Run({"watch", "k"});
  f.clock().AdvanceMs(200);  // expired, not yet removed: EXEC checks
  f.Run({"multi"});
  f.Run({"ping"});
  EXPECT_EQ(f.Run({"exec"}), "*-1\r\n");
}

TEST(TransactionTest, RemovingAKeyExpiredBeforeWatchIsNoChange) {
  F f;
  f.Run({"set", "k", "v", "px", "100"});
  f.clock().AdvanceMs(200);
  f.Run({"watch", "k"});
  EXPECT_EQ(f.Run({"get", "k"}), F::kNil);  // lazy expiry removes it
  f.Run({"multi"});
  f.Run({"ping"});
  EXPECT_EQ(f.Run({"exec"}), "*1\r\n+PONG\r\n");
  // A write after that removal is a change.
  f.Run({"set", "j", "v", "px", "100"});
  f.clock().AdvanceMs(200);
  f.Run({"watch", "j"});
  f.Run({"set", "j", "again"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "*-1\r\n");
}

TEST(TransactionTest, FlushAndSwapDbTouchWatchedKeys) {
  F f;
  f.Run({"set", "k", "v"});
  f.Run({"watch", "k", "absent"});
  f.Run({"flushdb"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "*-1\r\n");
  // A flush that removes none of the watched keys changes nothing.
  f.Run({"watch", "absent"});
  f.Run({"set", "other", "v"});
  f.Run({"flushall"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "*0\r\n");
  f.Run({"select", "1"});
  f.Run({"set", "k", "in-db-1"});
  f.Run({"select", "0"});
  f.Run({"watch", "k"});
  f.Run({"swapdb", "0", "1"});
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "*-1\r\n");
}

TEST(TransactionTest, ResetDiscardsAndUnwatches) {
  F f;
  f.Run({"watch", "k"});
  f.Run({"multi"});
  f.Run({"set", "k", "1"});
  EXPECT_EQ(f.Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(f.Run({"exec"}), F::Err("ERR EXEC without MULTI"));
  EXPECT_EQ(f.Run({"exists", "k"}), F::Int(0));
  f.Run({"set", "k", "2"});  // no longer watched
  f.Run({"multi"});
  EXPECT_EQ(f.Run({"exec"}), "*0\r\n");
}

TEST(TransactionTest, LoggedWritesAreBracketed) {
  F f;
  RecordingLog log;
  f.server().command_log.store(&log);
  f.Run({"multi"});
  f.Run({"get", "a"});
  f.Run({"exec"});
  EXPECT_TRUE(log.records.empty());  // nothing changed, nothing logged

  f.Run({"multi"});
  f.Run({"get", "a"});
  f.Run({"set", "a", "1"});
  f.Run({"incrby", "a", "x"});  // a runtime error: not logged, does not abort
  f.Run({"rpush", "l", "x"});
  f.Run({"exec"});
  f.Run({"set", "after", "1"});
  f.server().command_log.store(nullptr);
  std::vector<std::string> want = {"0 MULTI", "0 SET a 1", "0 rpush l x", "0 EXEC",
                                   "0 SET after 1"};
  EXPECT_EQ(log.records, want);
}

TEST(TransactionTest, ClientStateIsVisible) {
  F f;
  ClientInfo* info = f.client().info;
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->multi.load(), -1);
  f.Run({"multi"});
  f.Run({"ping"});
  f.Run({"ping"});
  EXPECT_EQ(info->multi.load(), 2);
  f.Run({"discard"});
  EXPECT_EQ(info->multi.load(), -1);
  f.Run({"watch", "k"});
  f.Run({"set", "k", "1"});
  ASSERT_NE(info->watch.load(), nullptr);
  EXPECT_TRUE(info->watch.load()->dirty.load());
  f.Run({"unwatch"});
  EXPECT_FALSE(info->watch.load()->dirty.load());
}

}  // namespace
}  // namespace cachet
