// List command tests through the in-process fixture: replies and errors as Redis 7.0 gives them
// (RESP2 and RESP3), key removal when a list empties, memory accounting, and the op layer that
// blocking pops reuse.
#include "commands/list_family.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/test_fixture.h"

namespace cachet {
namespace {

using F = CommandFixture;

constexpr const char* kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

std::string Arr(std::vector<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += F::Bulk(s);
  return out;
}

class ListFamilyTest : public ::testing::Test {
 protected:
  CommandFixture f;
};

TEST_F(ListFamilyTest, PushAndRange) {
  EXPECT_EQ(f.Run({"rpush", "l", "a", "b", "c"}), F::Int(3));
  EXPECT_EQ(f.Run({"lpush", "l", "x", "y"}), F::Int(5));
  EXPECT_EQ(f.Run({"lrange", "l", "0", "-1"}), Arr({"y", "x", "a", "b", "c"}));
  EXPECT_EQ(f.Run({"lrange", "l", "-2", "100"}), Arr({"b", "c"}));
  EXPECT_EQ(f.Run({"lrange", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(f.Run({"lrange", "l", "-9223372036854775808", "9223372036854775807"}),
            Arr({"y", "x", "a", "b", "c"}));
  EXPECT_EQ(f.Run({"lrange", "nokey", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(f.Run({"lrange", "l", "a", "1"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"llen", "l"}), F::Int(5));
  EXPECT_EQ(f.Run({"llen", "nokey"}), F::Int(0));
  EXPECT_EQ(f.Run({"lpushx", "nokey", "a"}), F::Int(0));
  EXPECT_EQ(f.Run({"exists", "nokey"}), F::Int(0));
  EXPECT_EQ(f.Run({"rpushx", "l", "z"}), F::Int(6));
  EXPECT_EQ(f.Run({"type", "l"}), "+list\r\n");
  EXPECT_EQ(f.Run({"object", "encoding", "l"}), F::Bulk("quicklist"));
  EXPECT_EQ(f.Run({"lpush", "l"}), F::Err("ERR wrong number of arguments for 'lpush' command"));
}

TEST_F(ListFamilyTest, PopWithAndWithoutCount) {
  f.Run({"rpush", "l", "a", "b", "c", "d"});
  EXPECT_EQ(f.Run({"lpop", "l"}), F::Bulk("a"));
  EXPECT_EQ(f.Run({"rpop", "l"}), F::Bulk("d"));
  EXPECT_EQ(f.Run({"lpop", "l", "0"}), "*0\r\n");
  EXPECT_EQ(f.Run({"rpop", "l", "5"}), Arr({"c", "b"}));  // tail first
  EXPECT_EQ(f.Run({"exists", "l"}), F::Int(0));
  EXPECT_EQ(f.Run({"lpop", "l"}), F::kNil);
  EXPECT_EQ(f.Run({"lpop", "l", "0"}), "*-1\r\n");
  EXPECT_EQ(f.Run({"lpop", "l", "2"}), "*-1\r\n");
  EXPECT_EQ(f.Run({"lpop", "l", "-1"}), F::Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(f.Run({"lpop", "l", "x"}), F::Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(f.Run({"lpop", "l", "1", "2"}),
            F::Err("ERR wrong number of arguments for 'lpop' command"));
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"lpop", "l"}), "_\r\n");
  EXPECT_EQ(f.Run({"rpop", "l", "0"}), "_\r\n");
  EXPECT_EQ(f.Run({"rpop", "l", "3"}), "_\r\n");
}

TEST_F(ListFamilyTest, WrongType) {
  f.Run({"set", "s", "v"});
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"lpush", "s", "a"},
                                             {"rpushx", "s", "a"},
                                             {"lpop", "s"},
                                             {"rpop", "s", "0"},
                                             {"llen", "s"},
                                             {"lrange", "s", "0", "1"},
                                             {"lindex", "s", "0"},
                                             {"lset", "s", "0", "a"},
                                             {"linsert", "s", "before", "a", "b"},
                                             {"lrem", "s", "0", "a"},
                                             {"ltrim", "s", "0", "1"},
                                             {"lpos", "s", "a"},
                                             {"lmove", "s", "d", "left", "right"},
                                             {"rpoplpush", "s", "d"}}) {
    EXPECT_EQ(f.Run(cmd), F::Err(kWrongType)) << cmd[0];
  }
  // Argument errors come before the type check where Redis parses them first.
  EXPECT_EQ(f.Run({"lpop", "s", "-1"}), F::Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(f.Run({"ltrim", "s", "a", "1"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"lindex", "s", "a"}), F::Err(kWrongType));
  f.Run({"rpush", "l", "a"});
  EXPECT_EQ(f.Run({"lmove", "l", "s", "left", "right"}), F::Err(kWrongType));
  EXPECT_EQ(f.Run({"lmove", "nokey", "s", "left", "right"}), F::kNil);  // dst not looked at
  EXPECT_EQ(f.Run({"llen", "l"}), F::Int(1));
}

TEST_F(ListFamilyTest, IndexSetInsert) {
  f.Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(f.Run({"lindex", "l", "0"}), F::Bulk("a"));
  EXPECT_EQ(f.Run({"lindex", "l", "-1"}), F::Bulk("c"));
  EXPECT_EQ(f.Run({"lindex", "l", "3"}), F::kNil);
  EXPECT_EQ(f.Run({"lindex", "l", "-9223372036854775808"}), F::kNil);
  EXPECT_EQ(f.Run({"lindex", "nokey", "x"}), F::kNil);
  EXPECT_EQ(f.Run({"lindex", "l", "x"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"lset", "l", "-3", "A"}), F::kOk);
  EXPECT_EQ(f.Run({"lset", "l", "3", "A"}), F::Err("ERR index out of range"));
  EXPECT_EQ(f.Run({"lset", "nokey", "0", "A"}), F::Err("ERR no such key"));
  EXPECT_EQ(f.Run({"lset", "l", "x", "A"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"linsert", "l", "BEFORE", "b", "x"}), F::Int(4));
  EXPECT_EQ(f.Run({"linsert", "l", "after", "c", "y"}), F::Int(5));
  EXPECT_EQ(f.Run({"linsert", "l", "after", "zz", "y"}), F::Int(-1));
  EXPECT_EQ(f.Run({"linsert", "nokey", "after", "zz", "y"}), F::Int(0));
  EXPECT_EQ(f.Run({"linsert", "l", "middle", "a", "y"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"lrange", "l", "0", "-1"}), Arr({"A", "x", "b", "c", "y"}));
}

TEST_F(ListFamilyTest, RemAndTrim) {
  f.Run({"rpush", "l", "a", "b", "a", "c", "a"});
  EXPECT_EQ(f.Run({"lrem", "l", "-2", "a"}), F::Int(2));
  EXPECT_EQ(f.Run({"lrange", "l", "0", "-1"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(f.Run({"lrem", "l", "0", "zz"}), F::Int(0));
  EXPECT_EQ(f.Run({"lrem", "nokey", "0", "a"}), F::Int(0));
  EXPECT_EQ(f.Run({"lrem", "l", "x", "a"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"lrem", "l", "-9223372036854775808", "b"}), F::Int(1));
  EXPECT_EQ(f.Run({"ltrim", "l", "1", "-1"}), F::kOk);
  EXPECT_EQ(f.Run({"lrange", "l", "0", "-1"}), Arr({"c"}));
  EXPECT_EQ(f.Run({"ltrim", "nokey", "0", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"ltrim", "l", "5", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"exists", "l"}), F::Int(0));
  f.Run({"rpush", "m", "a"});
  EXPECT_EQ(f.Run({"lrem", "m", "1", "a"}), F::Int(1));
  EXPECT_EQ(f.Run({"exists", "m"}), F::Int(0));
}

TEST_F(ListFamilyTest, LPos) {
  f.Run({"rpush", "l", "a", "b", "c", "a", "b", "c", "a"});
  EXPECT_EQ(f.Run({"lpos", "l", "a"}), F::Int(0));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "-1"}), F::Int(6));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "2", "count", "0"}), "*2\r\n:3\r\n:6\r\n");
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "-2", "count", "2"}), "*2\r\n:3\r\n:0\r\n");
  EXPECT_EQ(f.Run({"lpos", "l", "a", "count", "1", "maxlen", "1"}), "*1\r\n:0\r\n");
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "-2", "maxlen", "1"}), F::kNil);
  EXPECT_EQ(f.Run({"lpos", "l", "zz", "count", "1"}), "*0\r\n");
  EXPECT_EQ(f.Run({"lpos", "nokey", "a"}), F::kNil);
  EXPECT_EQ(f.Run({"lpos", "nokey", "a", "count", "0"}), "*0\r\n");
  // Redis 7.0 negates RANK in a long: LLONG_MIN means every match from the tail.
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "-9223372036854775808", "count", "1"}),
            "*3\r\n:6\r\n:3\r\n:0\r\n");
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "0"}),
            F::Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                   "second ... or use negative to start from the end of the list"));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "count", "-1"}), F::Err("ERR COUNT can't be negative"));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "maxlen", "x"}), F::Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank", "x"}),
            F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"lpos", "l", "a", "rank"}), F::Err("ERR syntax error"));
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"lpos", "l", "zz"}), "_\r\n");
}

TEST_F(ListFamilyTest, MoveAndRotate) {
  f.Run({"rpush", "src", "a", "b", "c"});
  EXPECT_EQ(f.Run({"lmove", "src", "dst", "left", "right"}), F::Bulk("a"));
  EXPECT_EQ(f.Run({"rpoplpush", "src", "dst"}), F::Bulk("c"));
  EXPECT_EQ(f.Run({"lrange", "dst", "0", "-1"}), Arr({"c", "a"}));
  EXPECT_EQ(f.Run({"lmove", "src", "src", "LEFT", "RIGHT"}), F::Bulk("b"));  // single element
  EXPECT_EQ(f.Run({"lrange", "src", "0", "-1"}), Arr({"b"}));
  EXPECT_EQ(f.Run({"lmove", "dst", "dst", "right", "left"}), F::Bulk("a"));
  EXPECT_EQ(f.Run({"lrange", "dst", "0", "-1"}), Arr({"a", "c"}));
  EXPECT_EQ(f.Run({"lmove", "src", "dst", "up", "left"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"lmove", "src", "dst", "left", "down"}), F::Err("ERR syntax error"));
  EXPECT_EQ(f.Run({"rpoplpush", "src", "dst"}), F::Bulk("b"));
  EXPECT_EQ(f.Run({"exists", "src"}), F::Int(0));
  EXPECT_EQ(f.Run({"rpoplpush", "src", "dst"}), F::kNil);
  f.set_protocol(3);
  EXPECT_EQ(f.Run({"lmove", "src", "dst", "left", "left"}), "_\r\n");
}

TEST_F(ListFamilyTest, MemoryIsAccountedAndReleased) {
  int64_t base = f.engine().DatasetBytes();
  for (int i = 0; i < 2000; ++i) f.Run({"rpush", "l", "element-" + std::to_string(i)});
  int64_t full = f.engine().DatasetBytes();
  EXPECT_GT(full - base, 2000 * 10);
  f.Run({"lset", "l", "1500", std::string(50000, 'x')});
  EXPECT_GT(f.engine().DatasetBytes(), full + 50000);
  f.Run({"ltrim", "l", "0", "9"});
  EXPECT_LT(f.engine().DatasetBytes(), full);
  f.Run({"lmove", "l", "other", "left", "left"});
  f.Run({"rpop", "l", "100"});
  f.Run({"lpop", "other"});
  EXPECT_EQ(f.Run({"dbsize"}), F::Int(0));
  EXPECT_EQ(f.engine().DatasetBytes(), base);
}

TEST_F(ListFamilyTest, CopyRenameKeepLists) {
  f.Run({"rpush", "l", "a", "b"});
  EXPECT_EQ(f.Run({"copy", "l", "c"}), F::Int(1));
  f.Run({"rpush", "l", "z"});
  EXPECT_EQ(f.Run({"lrange", "c", "0", "-1"}), Arr({"a", "b"}));
  EXPECT_EQ(f.Run({"rename", "c", "d"}), F::kOk);
  EXPECT_EQ(f.Run({"lrange", "d", "0", "-1"}), Arr({"a", "b"}));
}

// The op layer used by blocking pops: callable with any KeyAccess that locks the keys.
TEST_F(ListFamilyTest, OpLayer) {
  f.Run({"rpush", "q", "1", "2", "3"});
  f.Run({"set", "s", "v"});
  {
    KeyAccess access(f.engine(), "q");
    std::vector<std::string> out;
    EXPECT_EQ(OpPop(access, 0, "q", true, 2, &out), ListStatus::kOk);
    EXPECT_EQ(out, (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(OpPop(access, 0, "none", true, 1, &out), ListStatus::kNoKey);
    std::string_view vals[] = {"x"};
    int64_t len;
    EXPECT_EQ(OpPush(access, 0, "q", false, vals, true, &len), ListStatus::kOk);
    EXPECT_EQ(len, 2);
  }
  {
    std::string_view keys[] = {"q", "s"};
    KeyAccess access(f.engine(), keys);
    std::string moved;
    EXPECT_EQ(OpMove(access, 0, "q", "s", true, true, &moved), ListStatus::kWrongType);
    EXPECT_EQ(OpMove(access, 0, "s", "q", true, true, &moved), ListStatus::kWrongType);
  }
  EXPECT_EQ(f.Run({"lrange", "q", "0", "-1"}), Arr({"3", "x"}));
}

}  // namespace
}  // namespace cachet

namespace cachet {
namespace {

TEST(ListBlockingTest, PopsAtOnceOrParksAndServesAfterPush) {
  CommandFixture f;
  EXPECT_EQ(f.Run({"rpush", "q", "a"}), CommandFixture::Int(1));
  EXPECT_EQ(f.Run({"blpop", "none", "q", "0"}), "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
  EXPECT_EQ(f.Run({"blpop", "q", "-1"}), CommandFixture::Err("ERR timeout is negative"));
  EXPECT_EQ(f.Run({"blpop", "q", "x"}),
            CommandFixture::Err("ERR timeout is not a float or out of range"));
  f.client().in_exec = true;  // inside EXEC: answer as on timeout
  EXPECT_EQ(f.Run({"blpop", "q", "0"}), "*-1\r\n");
  f.client().in_exec = false;
  EXPECT_EQ(f.Run({"blpop", "q", "0"}), "");  // parked
  ASSERT_NE(f.client().blocked, nullptr);
  EXPECT_EQ(f.blocking().size(), 1u);
  EXPECT_TRUE(f.blocking().Claim(f.client().blocked));
  EXPECT_EQ(f.blocking().size(), 0u);
}

}  // namespace
}  // namespace cachet
