// HttpRequest and HttpResponse: what the HTTP server hands to its handler and writes back,
// plus the small text utilities routes need (percent-decoding, query strings, status texts).
//
// Thread-safety: value types.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-encoded, without the query
  std::string query;                           // after '?', percent-encoded
  std::map<std::string, std::string> headers;  // names lower-cased; repeated ones joined by ", "
  std::string body;
  bool keep_alive = true;

  // The header's value, or "" when absent. name must be lower case.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // HEAD: send the headers a GET would (Content-Length included) but not the body.
  bool omit_body = false;
};

// "200 OK" style reason phrase for a status code.
const char* HttpStatusText(int status);

// Serializes a response (status line, Content-Type, Content-Length, Connection, extra
// headers, body) onto out.
void AppendHttpResponse(const HttpResponse& response, bool keep_alive, std::string* out);

// Percent-decodes s ('+' stays '+'; in queries use DecodeQueryComponent). False on a bad
// escape.
bool PercentDecode(std::string_view s, std::string* out);
// Parses "a=1&b=x%20y" into decoded pairs ('+' means space). False on a bad escape.
bool ParseQuery(std::string_view query, std::multimap<std::string, std::string>* out);

}  // namespace cachet
