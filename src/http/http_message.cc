// HTTP response serialization and URL decoding.
#include "http/http_message.h"

#include "base/numbers.h"

namespace cachet {
namespace {

bool Decode(std::string_view s, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (s.size() - i < 3) return false;
      int hi = HexDigitValue(s[i + 1]), lo = HexDigitValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

const char* HttpStatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

void AppendHttpResponse(const HttpResponse& r, bool keep_alive, std::string* out) {
  out->append("HTTP/1.1 ");
  out->append(std::to_string(r.status));
  out->push_back(' ');
  out->append(HttpStatusText(r.status));
  out->append("\r\nContent-Type: ");
  out->append(r.content_type);
  out->append("\r\nContent-Length: ");
  out->append(std::to_string(r.body.size()));
  out->append(keep_alive ? "\r\nConnection: keep-alive" : "\r\nConnection: close");
  out->append("\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff");
  for (const auto& [name, value] : r.headers) {
    out->append("\r\n");
    out->append(name);
    out->append(": ");
    out->append(value);
  }
  out->append("\r\n\r\n");
  if (!r.omit_body) out->append(r.body);
}

bool PercentDecode(std::string_view s, std::string* out) { return Decode(s, false, out); }

bool ParseQuery(std::string_view query, std::multimap<std::string, std::string>* out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name, value;
    if (!Decode(part.substr(0, eq), true, &name)) return false;
    if (eq != std::string_view::npos && !Decode(part.substr(eq + 1), true, &value)) return false;
    out->emplace(std::move(name), std::move(value));
  }
  return true;
}

}  // namespace cachet
