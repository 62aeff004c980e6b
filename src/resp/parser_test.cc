// Tests for the RESP request parser: framing, partial input, limits and error texts.
#include "resp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachet {
namespace {

using Args = std::vector<std::string_view>;

TEST(RespParserTest, MultibulkCommand) {
  RespParser p;
  Args args;
  size_t consumed = 0;
  std::string in = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
  ASSERT_EQ(p.Parse(in, &args, &consumed), RespParser::Status::kCommand);
  EXPECT_EQ(args, (Args{"GET", "k"}));
  in.erase(0, consumed);
  ASSERT_EQ(p.Parse(in, &args, &consumed), RespParser::Status::kCommand);
  EXPECT_EQ(args, (Args{"PING"}));
  EXPECT_EQ(consumed, in.size());
}

TEST(RespParserTest, ByteByByte) {
  RespParser p;
  Args args;
  size_t consumed = 0;
  std::string full = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhe\r\no\r\n";
  for (size_t n = 1; n < full.size(); ++n) {
    ASSERT_EQ(p.Parse(std::string_view(full).substr(0, n), &args, &consumed),
              RespParser::Status::kNeedMore)
        << n;
  }
  ASSERT_EQ(p.Parse(full, &args, &consumed), RespParser::Status::kCommand);
  EXPECT_EQ(args, (Args{"SET", "k", "he\r\no"}));
}

TEST(RespParserTest, InlineCommands) {
  RespParser p;
  Args args;
  size_t consumed = 0;
  ASSERT_EQ(p.Parse("PING\r\n", &args, &consumed), RespParser::Status::kCommand);
  EXPECT_EQ(args, (Args{"PING"}));
  ASSERT_EQ(p.Parse("set \"a b\" 'c d' \"\\x41\\n\"\n", &args, &consumed),
            RespParser::Status::kCommand);
  EXPECT_EQ(args, (Args{"set", "a b", "c d", "A\n"}));
  ASSERT_EQ(p.Parse("\r\n", &args, &consumed), RespParser::Status::kCommand);
  EXPECT_TRUE(args.empty());
  EXPECT_EQ(p.Parse("set \"abc\n", &args, &consumed), RespParser::Status::kError);
  EXPECT_EQ(p.error(), "Protocol error: unbalanced quotes in request");
}

TEST(RespParserTest, EmptyMultibulkIsSkipped) {
  RespParser p;
  Args args;
  size_t consumed = 0;
  ASSERT_EQ(p.Parse("*0\r\n", &args, &consumed), RespParser::Status::kCommand);
  EXPECT_TRUE(args.empty());
  ASSERT_EQ(p.Parse("*-1\r\n", &args, &consumed), RespParser::Status::kCommand);
  EXPECT_EQ(consumed, 5u);
}

struct ErrorCase {
  std::string input;
  std::string message;
};

TEST(RespParserTest, ProtocolErrors) {
  std::vector<ErrorCase> cases = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*3000000000\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n:5\r\n", "Protocol error: expected '$', got ':'"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
      {"*1" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '1'), "Protocol error: too big bulk count string"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
  };
  for (const auto& c : cases) {
    RespParser p;
    Args args;
    size_t consumed = 0;
    EXPECT_EQ(p.Parse(c.input, &args, &consumed), RespParser::Status::kError) << c.input;
    EXPECT_EQ(p.error(), c.message) << c.input.substr(0, 20);
  }
}

TEST(RespParserTest, LargeDeclaredBulkWaitsWithoutFailing) {
  RespParser p;
  Args args;
  size_t consumed = 0;
  EXPECT_EQ(p.Parse("*1\r\n$100000000\r\nabc", &args, &consumed), RespParser::Status::kNeedMore);
  EXPECT_GT(p.bytes_wanted(), 99'000'000u);
}

}  // namespace
}  // namespace cachet
