// libFuzzer target for the RESP request parser: feeds arbitrary bytes, split at a point chosen
// by the input, and checks the parser's invariants (never reads past the data, consumed bytes
// are within the data, arguments point inside it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cachet::ParserLimits limits;
  limits.max_bulk_len = 1 << 20;
  limits.max_inline_len = 4096;
  cachet::RespParser parser(limits);
  // The first byte picks where the input is split, to exercise partial reads.
  size_t split = data[0] % size;
  std::string buffer(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> args;
  size_t fed = std::min(split, buffer.size());
  size_t start = 0;
  for (int round = 0; round < 100000; ++round) {
    std::string_view view(buffer.data() + start, fed - start);
    size_t consumed = 0;
    auto status = parser.Parse(view, &args, &consumed);
    if (status == cachet::RespParser::Status::kError) return 0;
    if (status == cachet::RespParser::Status::kNeedMore) {
      if (fed == buffer.size()) return 0;
      fed = buffer.size();
      continue;
    }
    if (consumed == 0 || consumed > view.size()) abort();
    if (view[0] == '*') {  // multibulk arguments are views into the input
      for (std::string_view a : args) {
        if (a.data() < view.data() || a.data() + a.size() > view.data() + view.size()) abort();
      }
    }
    start += consumed;
    if (start == fed && fed == buffer.size()) return 0;
  }
  return 0;
}
