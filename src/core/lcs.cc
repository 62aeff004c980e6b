// The LCS table and its walk back.
#include "core/lcs.h"

#include <algorithm>

namespace cachet {

LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_ranges,
                     int64_t min_match_len) {
  const auto alen = static_cast<uint32_t>(a.size());
  const auto blen = static_cast<uint32_t>(b.size());
  const size_t row = static_cast<size_t>(blen) + 1;
  // table[i * row + j]: LCS length of a[0, i) and b[0, j).
  std::vector<uint32_t> table((static_cast<size_t>(alen) + 1) * row, 0);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[i * row + j]; };
  for (uint32_t i = 1; i <= alen; ++i) {
    for (uint32_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  LcsResult result;
  result.length = at(alen, blen);
  if (!want_text && !want_ranges) return result;
  if (want_text) result.text.assign(result.length, '\0');
  uint32_t idx = result.length;
  bool open = false;  // a range is being extended backwards
  LcsRange range{};
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      if (want_text) result.text[idx - 1] = a[i - 1];
      if (!open) {
        range = {i - 1, i - 1, j - 1, j - 1};
        open = true;
      } else if (range.a_start == i && range.b_start == j) {
        --range.a_start;
        --range.b_start;
      } else {
        emit = true;
      }
      if (range.a_start == 0 || range.b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (open) emit = true;
    }
    if (emit) {
      if (want_ranges && (min_match_len == 0 || range.length() >= min_match_len)) {
        result.ranges.push_back(range);
      }
      open = false;
    }
  }
  return result;
}

}  // namespace cachet
