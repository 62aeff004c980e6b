// Longest common subsequence of two byte strings, as Redis 7.0's LCS command computes it: the
// classic dynamic-programming table, then one walk back from the end that yields the LCS
// string and the matching ranges (last range first), so replies match Redis's byte for byte.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet {

struct LcsRange {
  uint32_t a_start, a_end, b_start, b_end;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;              // with want_text
  std::vector<LcsRange> ranges;  // with want_ranges: those at least min_match_len long
};

// Bytes the table for strings of these lengths takes (what Redis checks against
// proto-max-bulk-len before computing).
inline uint64_t LcsTableBytes(size_t a_len, size_t b_len) {
  return static_cast<uint64_t>(a_len + 1) * (b_len + 1) * sizeof(uint32_t);
}

// REQUIRES: both lengths below UINT32_MAX - 1 and the table (LcsTableBytes) allocatable.
LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_ranges,
                     int64_t min_match_len);

}  // namespace cachet
