// RESP2/RESP3 reply encoding.
#include "resp/reply_builder.h"

#include <cmath>
#include <cstdio>

#include "base/numbers.h"

namespace cachet {

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, n);
}

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  int len = 1 + FormatInt64(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view message) {
  ++errors_;
  out_->push_back('-');
  // Error messages never contain newlines on the wire.
  for (char c : message) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { out_->append(resp3() ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { out_->append(resp3() ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }
void ReplyBuilder::MapHeader(size_t pairs) {
  if (resp3()) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}
void ReplyBuilder::SetHeader(size_t n) { Header(resp3() ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyBuilder::PushHeader(size_t n) { Header(resp3() ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double d) {
  if (resp3()) {
    out_->push_back(',');
    out_->append(FormatDouble(d));
    out_->append("\r\n");
  } else {
    Bulk(FormatDouble(d));
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp3()) {
    out_->append(b ? "#t\r\n" : "#f\r\n");
  } else {
    Integer(b ? 1 : 0);
  }
}

void ReplyBuilder::Verbatim(std::string_view s) {
  if (!resp3()) {
    Bulk(s);
    return;
  }
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_->append("txt:");
  out_->append(s);
  out_->append("\r\n");
}

}  // namespace cachet
