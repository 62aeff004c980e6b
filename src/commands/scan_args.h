// Parsing of SCAN-family arguments (SCAN, HSCAN, SSCAN, ZSCAN): the cursor as Redis reads it
// and the MATCH / COUNT / TYPE options, with Redis's errors.
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/command.h"

namespace cachet {

struct ScanArgs {
  uint64_t cursor = 0;
  size_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
};

// args[cursor_index] is the cursor; options follow it. TYPE is accepted only when allow_type.
// Returns false after replying an error.
bool ParseScanArgs(ArgList args, size_t cursor_index, bool allow_type, ScanArgs* out,
                   ReplyBuilder& reply);

// The reply to HSCAN/SSCAN/ZSCAN on a missing key: cursor 0 and no elements.
void ReplyEmptyScan(ReplyBuilder& reply);

}  // namespace cachet
