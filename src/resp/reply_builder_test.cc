// Tests for RESP2 and RESP3 reply encoding.
#include "resp/reply_builder.h"

#include <gtest/gtest.h>

namespace cachet {

TEST(ReplyBuilderTest, Resp2Forms) {
  std::string out;
  ReplyBuilder r(&out);
  r.Ok();
  r.Integer(-5);
  r.Bulk("hi");
  r.Null();
  r.NullArray();
  r.MapHeader(1);
  r.Double(1.5);
  r.Bool(true);
  r.Error("ERR boom");
  EXPECT_EQ(out, "+OK\r\n:-5\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n$3\r\n1.5\r\n:1\r\n-ERR boom\r\n");
  EXPECT_EQ(r.errors(), 1u);
}

TEST(ReplyBuilderTest, Resp3Forms) {
  std::string out;
  ReplyBuilder r(&out);
  r.set_protocol(3);
  r.Null();
  r.MapHeader(2);
  r.SetHeader(3);
  r.Double(-2.25);
  r.Bool(false);
  r.Verbatim("x");
  r.PushHeader(3);
  EXPECT_EQ(out, "_\r\n%2\r\n~3\r\n,-2.25\r\n#f\r\n=5\r\ntxt:x\r\n>3\r\n");
}

TEST(ReplyBuilderTest, DoubleFormatting) {
  EXPECT_EQ(FormatDouble(1.0 / 0.0), "inf");
  EXPECT_EQ(FormatDouble(-1.0 / 0.0), "-inf");
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
}

}  // namespace cachet
