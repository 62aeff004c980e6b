// HttpRequestParser: turns bytes from a connection into complete HttpRequests with Debian's
// http-parser (nodejs's C parser), enforcing our limits as the bytes arrive: the request head
// (line and headers) and the body are bounded, so a client can make us buffer at most
// max_header + max_body bytes per request. Pipelined requests come out in order.
//
// Thread-safety: none; one per connection.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace cachet {

struct HttpLimits {
  size_t max_header = 16 * 1024;
  size_t max_body = 1024 * 1024;
};

class HttpRequestParser {
 public:
  explicit HttpRequestParser(const HttpLimits& limits);
  HttpRequestParser(const HttpRequestParser&) = delete;
  HttpRequestParser& operator=(const HttpRequestParser&) = delete;

  // Parses data (all of it is consumed) and appends the requests it completed to *done.
  // Returns 0, or the HTTP status to answer with before closing (400, 413, 431): after an
  // error the parser accepts nothing more.
  int Feed(std::string_view data, std::vector<HttpRequest>* done);
  // Whether part of a request has arrived but not all of it.
  bool InRequest() const { return in_request_; }
  // What was wrong, for the error reply ("" when nothing was).
  const std::string& error() const { return error_; }

 private:
  static int OnMessageBegin(http_parser* p);
  static int OnUrl(http_parser* p, const char* at, size_t len);
  static int OnHeaderField(http_parser* p, const char* at, size_t len);
  static int OnHeaderValue(http_parser* p, const char* at, size_t len);
  static int OnHeadersComplete(http_parser* p);
  static int OnBody(http_parser* p, const char* at, size_t len);
  static int OnMessageComplete(http_parser* p);
  // Counts head bytes; false (and the 431 status) past the limit.
  bool ChargeHead(size_t len);
  void StoreHeader();

  HttpLimits limits_;
  http_parser parser_;
  http_parser_settings settings_;
  HttpRequest current_;
  std::string url_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  bool in_request_ = false;
  size_t head_bytes_ = 0;
  int status_ = 0;  // the error status once failed
  std::string error_;
  std::vector<HttpRequest>* done_ = nullptr;
};

}  // namespace cachet
