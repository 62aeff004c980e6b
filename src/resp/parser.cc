// Incremental RESP request parser with Redis's limits and error texts.
#include "resp/parser.h"

#include <cstring>

#include "base/numbers.h"

namespace cachet {

void RespParser::Reset() {
  in_multibulk_ = false;
  remaining_ = 0;
  pos_ = 0;
  bulk_wanted_ = 0;
  spans_.clear();
}

RespParser::Status RespParser::Fail(std::string message) {
  error_ = "Protocol error: " + std::move(message);
  Reset();
  return Status::kError;
}

RespParser::Status RespParser::Parse(std::string_view data, std::vector<std::string_view>* args,
                                     size_t* consumed) {
  args->clear();
  if (!in_multibulk_) {
    if (data.empty()) return Status::kNeedMore;
    if (data[0] != '*') return ParseInline(data, args, consumed);
    const char* cr = static_cast<const char*>(memchr(data.data(), '\r', data.size()));
    if (cr == nullptr || static_cast<size_t>(cr - data.data()) + 2 > data.size()) {
      if (data.size() > limits_.max_inline_len) return Fail("too big mbulk count string");
      return Status::kNeedMore;
    }
    size_t newline = static_cast<size_t>(cr - data.data());
    int64_t count = 0;
    if (!ParseInt64(data.substr(1, newline - 1), &count) || count > limits_.max_multibulk_len) {
      return Fail("invalid multibulk length");
    }
    if (limits_.unauthenticated && count > 10) return Fail("unauthenticated multibulk length");
    if (count <= 0) {
      *consumed = newline + 2;
      return Status::kCommand;
    }
    in_multibulk_ = true;
    remaining_ = count;
    pos_ = newline + 2;
  }
  while (remaining_ > 0) {
    if (pos_ >= data.size()) return Status::kNeedMore;
    if (data[pos_] != '$') {
      char got = data[pos_];
      return Fail(std::string("expected '$', got '") + got + "'");
    }
    const char* start = data.data() + pos_;
    const char* cr = static_cast<const char*>(memchr(start, '\r', data.size() - pos_));
    if (cr == nullptr || static_cast<size_t>(cr - data.data()) + 2 > data.size()) {
      if (data.size() - pos_ > limits_.max_inline_len) return Fail("too big bulk count string");
      return Status::kNeedMore;
    }
    size_t newline = static_cast<size_t>(cr - data.data());
    int64_t len = 0;
    if (!ParseInt64(data.substr(pos_ + 1, newline - pos_ - 1), &len) || len < 0 ||
        len > limits_.max_bulk_len) {
      return Fail("invalid bulk length");
    }
    if (limits_.unauthenticated && len > 16384) return Fail("unauthenticated bulk length");
    size_t body = newline + 2;
    size_t end = body + static_cast<size_t>(len) + 2;
    if (data.size() < end) {
      bulk_wanted_ = end - data.size();
      return Status::kNeedMore;
    }
    spans_.emplace_back(body, static_cast<size_t>(len));
    pos_ = end;
    --remaining_;
  }
  args->reserve(spans_.size());
  for (const auto& [offset, len] : spans_) args->emplace_back(data.data() + offset, len);
  *consumed = pos_;
  Reset();
  return Status::kCommand;
}

RespParser::Status RespParser::ParseInline(std::string_view data,
                                           std::vector<std::string_view>* args, size_t* consumed) {
  const char* nl = static_cast<const char*>(memchr(data.data(), '\n', data.size()));
  if (nl == nullptr) {
    if (data.size() > limits_.max_inline_len) return Fail("too big inline request");
    return Status::kNeedMore;
  }
  size_t newline = static_cast<size_t>(nl - data.data());
  std::string_view line = data.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inline_storage_.clear();
  if (!SplitInlineArgs(line, &inline_storage_)) return Fail("unbalanced quotes in request");
  for (const std::string& s : inline_storage_) args->emplace_back(s);
  *consumed = newline + 1;
  return Status::kCommand;
}

}  // namespace cachet
