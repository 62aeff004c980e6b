// SCAN-family argument parsing.
#include "commands/scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "commands/errors.h"
#include "commands/reply_util.h"

namespace cachet {
namespace {

// Redis parses cursors with strtoul: a sign is accepted, spaces and overflow are not.
bool ParseCursor(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);
  if (!text.empty() && isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  *cursor = strtoull(text.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

}  // namespace

bool ParseScanArgs(ArgList args, size_t cursor_index, bool allow_type, ScanArgs* out,
                   ReplyBuilder& reply) {
  if (!ParseCursor(args[cursor_index], &out->cursor)) {
    reply.Error(errors::kInvalidCursor);
    return false;
  }
  for (size_t i = cursor_index + 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      reply.Error(errors::kSyntax);
      return false;
    }
    if (ArgIs(args[i], "count")) {
      int64_t count;
      if (!ParseIntArg(args[i + 1], &count, reply)) return false;
      if (count < 1) {
        reply.Error(errors::kSyntax);
        return false;
      }
      out->count = static_cast<size_t>(count);
    } else if (ArgIs(args[i], "match")) {
      out->pattern = args[i + 1];
      out->use_pattern = !(out->pattern.size() == 1 && out->pattern[0] == '*');
    } else if (ArgIs(args[i], "type") && allow_type) {
      out->type = args[i + 1];
      out->use_type = true;
    } else {
      reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyEmptyScan(ReplyBuilder& reply) {
  reply.ArrayHeader(2);
  reply.Bulk("0");
  reply.ArrayHeader(0);
}

}  // namespace cachet
