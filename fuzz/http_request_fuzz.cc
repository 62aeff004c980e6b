// libFuzzer target for the HTTP request path: arbitrary bytes, split at a point chosen by the
// input into two Feed calls, go to an HttpRequestParser with small limits (the first three
// input bytes choose max_header 32..542, max_body 0..255 and the split point); every complete
// request's path goes through PercentDecode (whole and per segment, as the router does) and its
// query through ParseQuery. Checked invariants:
//   - Feed returns 0, 400, 413 or 431; error() is empty exactly when no error was returned;
//   - after an error, Feed keeps returning the same status and completes no more requests;
//   - a request's body never exceeds max_body, its URL never exceeds max_header, each header
//     name is lower case and at most max_header long, the path holds no '?'; a request whose
//     Content-Length is over max_body is refused with 413, never completed (with no body);
//   - segmentation changes nothing: one Feed of all the bytes, or one Feed per byte, succeeds
//     or fails as the two-part feed did, with the same requests; and the Feed that reports an
//     error never also completes the request that caused it (that request is refused);
//   - PercentDecode and ParseQuery agree with straightforward reference decoders, and
//     re-encoding what PercentDecode produced decodes back to the same bytes.
// http-parser is a system library without coverage instrumentation, so the fuzzer gets no
// feedback for finding methods and header names; bytes 0xE0-0xFE of the input therefore stand
// for HTTP tokens ("GET ", " HTTP/1.1\r\n", "Content-Length: ", ...), and 0xFF x stands for
// the byte x itself, so every byte string can still be fed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"
#include "http/request_parser.h"

namespace {

// Reports the failed invariant, then crashes so libFuzzer saves the input.
#define Check(cond)                                                                             \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      fprintf(stderr, "http_request_fuzz: invariant failed at line %d: %s\n", __LINE__, #cond); \
      abort();                                                                                  \
    }                                                                                           \
  } while (0)

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reference percent-decoder: every '%' must start a two-hex-digit escape.
bool RefDecode(std::string_view s, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = Hex(s[i + 1]), lo = Hex(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
  }
  return true;
}

bool RefQuery(std::string_view q, std::multimap<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view part = q.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name, value;
    if (!RefDecode(part.substr(0, eq), true, &name)) return false;
    if (eq != std::string_view::npos && !RefDecode(part.substr(eq + 1), true, &value)) {
      return false;
    }
    out->emplace(std::move(name), std::move(value));
  }
  return true;
}

std::string Encode(std::string_view s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

void CheckDecoders(const cachet::HttpRequest& r) {
  std::string decoded, ref;
  bool ok = cachet::PercentDecode(r.path, &decoded);
  Check(ok == RefDecode(r.path, false, &ref));
  if (ok) {
    Check(decoded == ref);
    Check(decoded.size() <= r.path.size());
    std::string again;
    Check(cachet::PercentDecode(Encode(decoded), &again) && again == decoded);
  }
  // Per segment, as AdminApi::Handle does.
  size_t start = 1;
  while (start <= r.path.size()) {
    size_t slash = r.path.find('/', start);
    if (slash == std::string::npos) slash = r.path.size();
    std::string_view seg = std::string_view(r.path).substr(start, slash - start);
    bool seg_ok = cachet::PercentDecode(seg, &decoded);
    Check(seg_ok == RefDecode(seg, false, &ref));
    if (seg_ok) Check(decoded == ref);
    start = slash + 1;
  }
  std::multimap<std::string, std::string> query, ref_query;
  bool qok = cachet::ParseQuery(r.query, &query);
  Check(qok == RefQuery(r.query, &ref_query));
  if (qok) Check(query == ref_query);
}

// The Content-Length value as a number (saturating; ~0 when it is not a number).
uint64_t DeclaredLength(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return ~uint64_t{0};
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return ~uint64_t{0};
    n = n > (~uint64_t{0} - 9) / 10 ? ~uint64_t{0} : n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// Input bytes 0xE0 + i expand to kTokens[i]; 0xFF escapes the next byte.
constexpr const char* kTokens[] = {
    "GET ",
    "POST ",
    "PUT ",
    "DELETE ",
    "HEAD ",
    "PATCH ",
    "CONNECT ",
    " HTTP/1.1\r\n",
    " HTTP/1.0\r\n",
    " HTTP/2.0\r\n",
    "\r\n",
    "\r\n\r\n",
    ": ",
    "Content-Length: ",
    "Content-Length: 5\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Connection: close\r\n",
    "Connection: keep-alive\r\n",
    "Upgrade: websocket\r\nConnection: Upgrade\r\n",
    "Expect: 100-continue\r\n",
    "Host: x\r\n",
    "Authorization: Bearer ",
    "/api/cache/keys/",
    "%",
    "%2F",
    "%zz",
    "?",
    "&",
    "=",
    "+",
    "0\r\n\r\n",
};
static_assert(sizeof(kTokens) / sizeof(kTokens[0]) == 0xFF - 0xE0, "one token per byte");

std::string Expand(const uint8_t* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    uint8_t b = data[i];
    if (b < 0xE0) {
      out.push_back(static_cast<char>(b));
    } else if (b < 0xFF) {
      out += kTokens[b - 0xE0];
    } else if (i + 1 < size) {
      out.push_back(static_cast<char>(data[++i]));
    }
  }
  return out;
}

bool SameRequest(const cachet::HttpRequest& a, const cachet::HttpRequest& b) {
  return a.method == b.method && a.path == b.path && a.query == b.query && a.headers == b.headers &&
         a.body == b.body && a.keep_alive == b.keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  cachet::HttpLimits limits;
  limits.max_header = 32 + data[0] * 2;  // 32..542
  limits.max_body = data[1];             // 0..255
  std::string bytes = Expand(data + 3, size - 3);
  std::string_view input(bytes);
  size_t split = input.empty() ? 0 : data[2] * input.size() / 255;
  if (split > input.size()) split = input.size();

  cachet::HttpRequestParser parser(limits);
  std::vector<cachet::HttpRequest> done;
  // The server feeds only what a read returned, never nothing (an empty Feed is end of input
  // to http-parser), so an empty half is not fed.
  auto feed = [&](std::string_view part) { return part.empty() ? 0 : parser.Feed(part, &done); };
  int first = feed(input.substr(0, split));
  Check(first == 0 || first == 400 || first == 413 || first == 431);
  Check((first == 0) == parser.error().empty());
  size_t after_first = done.size();
  int status = first != 0 ? parser.Feed(input.substr(split), &done) : feed(input.substr(split));
  Check(status == 0 || status == 400 || status == 413 || status == 431);
  Check((status == 0) == parser.error().empty());
  if (first != 0) {
    Check(status == first);
    Check(done.size() == after_first);
  }
  if (status != 0) {  // stays failed, completes nothing more
    std::string error = parser.error();
    size_t n = done.size();
    Check(parser.Feed("GET / HTTP/1.1\r\n\r\n", &done) == status);
    Check(parser.Feed(input, &done) == status);
    Check(done.size() == n && parser.error() == error);
  }

  for (const cachet::HttpRequest& r : done) {
    Check(r.body.size() <= limits.max_body);
    Check(!r.method.empty());
    Check(r.path.find('?') == std::string::npos);
    Check(r.path.size() + r.query.size() <= limits.max_header);
    // A request that declared a body over the limit is refused (413), never completed.
    std::string_view length = r.Header("content-length");
    if (!length.empty() && r.Header("transfer-encoding").empty()) {
      Check(DeclaredLength(length) <= limits.max_body);
    }
    for (const auto& [name, value] : r.headers) {
      Check(!name.empty() && name.size() <= limits.max_header);
      for (char c : name) Check(!(c >= 'A' && c <= 'Z'));
      Check(r.Header(name) == value);
    }
    CheckDecoders(r);
  }

  // Segmentation must not matter: the same bytes in one Feed, or one byte per Feed, succeed or
  // fail as the two-part feed did, with the same requests. One byte per Feed also shows which
  // byte failed: the Feed that reports an error must not complete a request (the request that
  // caused the error is refused, not handed on). Excepted: CONNECT and Upgrade requests, after
  // which http-parser stops, leaving the rest unparsed when it came in the same Feed.
  cachet::HttpRequestParser whole(limits);
  std::vector<cachet::HttpRequest> whole_done;
  int whole_status = input.empty() ? 0 : whole.Feed(input, &whole_done);
  cachet::HttpRequestParser bytewise(limits);
  std::vector<cachet::HttpRequest> byte_done;
  int byte_status = 0;
  for (char c : input) {
    size_t before = byte_done.size();
    byte_status = bytewise.Feed(std::string_view(&c, 1), &byte_done);
    if (byte_status != 0) {
      Check(byte_done.size() == before);
      break;
    }
  }
  bool upgrade = false;
  for (const auto* list : {&done, &whole_done, &byte_done}) {
    for (const cachet::HttpRequest& r : *list) {
      upgrade |= r.method == "CONNECT" || !r.Header("upgrade").empty();
    }
  }
  if (upgrade) return 0;
  // (A request that is both malformed and over the head limit may get 400 one way and 431 the
  // other, as http-parser hands over the URL in pieces: either way it is refused.)
  Check((whole_status == 0) == (status == 0));
  Check((byte_status == 0) == (status == 0));
  Check(whole_done.size() == done.size() && byte_done.size() == done.size());
  for (size_t i = 0; i < done.size(); ++i) {
    Check(SameRequest(done[i], whole_done[i]));
    Check(SameRequest(done[i], byte_done[i]));
  }
  return 0;
}
