// Tests for the event loop: posted tasks, periodic and one-shot timers, and a connection echo
// round trip.
#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net/connection.h"

namespace cachet {
namespace {

TEST(EventLoopTest, RunsPostedTasksFromOtherThreads) {
  EventLoop loop(0);
  std::atomic<int> ran{0};
  std::thread t([&] { loop.Run(); });
  for (int i = 0; i < 100; ++i) loop.Post([&] { ran.fetch_add(1); });
  loop.Post([&] { EXPECT_TRUE(loop.InLoopThread()); });
  loop.Stop();
  t.join();
  EXPECT_EQ(ran.load(), 100);
}

TEST(EventLoopTest, PeriodicTimerFires) {
  EventLoop loop(0);
  int fired = 0;
  loop.AddPeriodic(5, [&] {
    if (++fired == 3) loop.Stop();
  });
  loop.Run();
  EXPECT_EQ(fired, 3);
}

TEST(EventLoopTest, OneShotTimersFireInOrderAndCanBeCancelled) {
  EventLoop loop(0);
  std::vector<int> fired;
  EventLoop::TimerHandle cancelled = loop.RunAfter(5, [&] { fired.push_back(1); });
  loop.RunAfter(10, [&] { fired.push_back(2); });
  loop.RunAfter(10, [&] { fired.push_back(3); });  // same due time: in arming order
  loop.RunAfter(30, [&] { loop.Stop(); });
  loop.CancelTimer(cancelled);
  loop.Run();
  EXPECT_EQ(fired, (std::vector<int>{2, 3}));
  loop.CancelTimer(cancelled);  // cancelling twice (or after firing) is harmless
}

class Echo : public Connection {
 public:
  using Connection::Connection;
  bool closed_seen = false;

 protected:
  size_t OnInput(std::string_view data) override {
    output()->append(data);
    return data.size();
  }
  void OnClosed() override {
    closed_seen = true;
    loop()->Stop();
  }
};

TEST(ConnectionTest, EchoesAndNoticesClose) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  EventLoop loop(0);
  auto conn = std::make_shared<Echo>(&loop, fds[0]);
  conn->Start();
  std::thread client([&] {
    int flags = 0;
    (void)flags;
    const char msg[] = "hello";
    ASSERT_EQ(write(fds[1], msg, 5), 5);
    char buf[5];
    size_t got = 0;
    while (got < 5) {
      ssize_t n = read(fds[1], buf + got, 5 - got);
      if (n > 0) got += n;
    }
    EXPECT_EQ(std::string(buf, 5), "hello");
    close(fds[1]);
  });
  loop.Run();
  client.join();
  EXPECT_TRUE(conn->closed_seen);
  EXPECT_EQ(conn->bytes_read(), 5u);
}

}  // namespace
}  // namespace cachet
