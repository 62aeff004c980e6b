// HttpRequestParser: requests split anywhere, pipelining, keep-alive, chunked bodies, the
// head and body limits, malformed input; and the URL decoding helpers.
#include "http/request_parser.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

TEST(HttpRequestParserTest, ParsesSplitAndPipelinedRequests) {
  std::string two =
      "GET /api/cache/stats?type=summary HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-a: 2\r\n\r\n"
      "POST /api/sessions HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
  for (size_t split = 0; split <= two.size(); split += 7) {
    HttpRequestParser p(HttpLimits{});
    std::vector<HttpRequest> done;
    ASSERT_EQ(p.Feed(std::string_view(two).substr(0, split), &done), 0);
    ASSERT_EQ(p.Feed(std::string_view(two).substr(split), &done), 0) << p.error();
    ASSERT_EQ(done.size(), 2u) << split;
    EXPECT_EQ(done[0].method, "GET");
    EXPECT_EQ(done[0].path, "/api/cache/stats");
    EXPECT_EQ(done[0].query, "type=summary");
    EXPECT_EQ(done[0].Header("x-a"), "1, 2");
    EXPECT_TRUE(done[0].keep_alive);
    EXPECT_EQ(done[1].method, "POST");
    EXPECT_EQ(done[1].body, "hello");
    EXPECT_FALSE(done[1].keep_alive);
    EXPECT_FALSE(p.InRequest());
  }
}

TEST(HttpRequestParserTest, ChunkedBody) {
  HttpRequestParser p(HttpLimits{});
  std::vector<HttpRequest> done;
  ASSERT_EQ(p.Feed("PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n"
                   "0\r\n\r\n",
                   &done),
            0);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].body, "abcde");
}

TEST(HttpRequestParserTest, LimitsAreEnforcedAsBytesArrive) {
  HttpLimits limits;
  limits.max_header = 100;
  limits.max_body = 10;
  {
    HttpRequestParser p(limits);
    std::vector<HttpRequest> done;
    EXPECT_EQ(p.Feed("GET /" + std::string(200, 'a'), &done), 431);  // before the line ends
    EXPECT_EQ(p.Feed("more", &done), 431);
  }
  {
    HttpRequestParser p(limits);
    std::vector<HttpRequest> done;
    EXPECT_EQ(p.Feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", &done), 413);
  }
  {
    HttpRequestParser p(limits);
    std::vector<HttpRequest> done;
    EXPECT_EQ(p.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
                     "8\r\n12345678\r\n",
                     &done),
              413);
  }
  {
    HttpRequestParser p(limits);
    std::vector<HttpRequest> done;
    EXPECT_EQ(p.Feed("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", &done), 0);
    EXPECT_EQ(done.size(), 1u);
  }
}

TEST(HttpRequestParserTest, MalformedInputIs400) {
  for (std::string bad :
       {std::string("NOT A REQUEST\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
        std::string("GET /\0 HTTP/1.1\r\n\r\n", 20)}) {
    HttpRequestParser p(HttpLimits{});
    std::vector<HttpRequest> done;
    EXPECT_EQ(p.Feed(bad, &done), 400) << bad;
    EXPECT_FALSE(p.error().empty());
  }
}

TEST(HttpMessageTest, DecodingAndResponses) {
  std::string out;
  EXPECT_TRUE(PercentDecode("user%3A1%2Fx+y", &out));
  EXPECT_EQ(out, "user:1/x+y");
  EXPECT_FALSE(PercentDecode("bad%2", &out));
  EXPECT_FALSE(PercentDecode("bad%zz", &out));
  std::multimap<std::string, std::string> q;
  EXPECT_TRUE(ParseQuery("a=1&b=x%20y+z&flag&&a=2", &q));
  EXPECT_EQ(q.count("a"), 2u);
  EXPECT_EQ(q.find("b")->second, "x y z");
  EXPECT_EQ(q.find("flag")->second, "");
  HttpResponse r;
  r.status = 404;
  r.body = "{}";
  std::string wire;
  AppendHttpResponse(r, false, &wire);
  EXPECT_EQ(wire.substr(0, 24), "HTTP/1.1 404 Not Found\r\n");
  EXPECT_NE(wire.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 6), "\r\n\r\n{}");
}

}  // namespace
}  // namespace cachet
