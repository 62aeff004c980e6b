// RespParser: incremental parser for client requests, both RESP multibulk ("*2\r\n$3\r\nGET...")
// and inline commands ("PING\r\n"), with Redis's limits and protocol error messages. Oversized
// lengths are refused when their header is read, before anything is allocated for them.
//
// Arguments are views into the caller's buffer; they stay valid until the caller drops the
// consumed bytes. State survives partial input, so a large command that arrives in pieces is
// parsed in linear time. Thread-safety: one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = INT32_MAX;       // Redis 7.0 accepts up to INT_MAX arguments
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  // Before AUTH (when a password is required) requests must stay small, as in Redis.
  bool unauthenticated = false;
};

class RespParser {
 public:
  enum class Status { kCommand, kNeedMore, kError };

  explicit RespParser(const ParserLimits& limits = ParserLimits()) : limits_(limits) {}
  void set_limits(const ParserLimits& limits) { limits_ = limits; }

  // Parses the next command from data (which starts at the first unconsumed byte and must be
  // the same bytes, possibly extended, as in the previous call that returned kNeedMore).
  // kCommand: *args holds the arguments (possibly empty for a blank line or "*0"), *consumed the
  // bytes the command used. kError: error() holds Redis's message; the connection must be
  // closed after replying.
  Status Parse(std::string_view data, std::vector<std::string_view>* args, size_t* consumed);

  const std::string& error() const { return error_; }
  // How many bytes the current partial command still needs at least (a hint for buffer growth).
  size_t bytes_wanted() const { return bulk_wanted_; }

 private:
  Status ParseInline(std::string_view data, std::vector<std::string_view>* args, size_t* consumed);
  Status Fail(std::string message);
  void Reset();

  ParserLimits limits_;
  std::string error_;
  std::vector<std::string> inline_storage_;  // unescaped inline arguments live here
  // Multibulk state, positions relative to the start of data.
  bool in_multibulk_ = false;
  int64_t remaining_ = 0;
  size_t pos_ = 0;
  size_t bulk_wanted_ = 0;
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of parsed arguments
};

// Splits an inline command line like redis's sdssplitargs: whitespace separated, with "double"
// (C escapes, \xHH) and 'single' quotes. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace cachet
