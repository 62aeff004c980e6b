// Glob matcher with Redis's semantics for classes, ranges and escapes.
#include "core/glob.h"

#include <cctype>
#include <utility>

namespace cachet {
namespace {

int Fold(char c, bool nocase) {
  return nocase ? tolower(static_cast<unsigned char>(c)) : static_cast<signed char>(c);
}

// Matches one character against the class starting just after '[' at pattern[p].
// Sets *end to the index just past the closing ']' (or the pattern's end if unclosed).
bool MatchClass(std::string_view pattern, size_t p, char c, bool nocase, size_t* end) {
  bool negate = p < pattern.size() && pattern[p] == '^';
  if (negate) ++p;
  bool match = false;
  while (true) {
    if (p >= pattern.size()) {
      *end = pattern.size();
      break;
    }
    if (pattern[p] == '\\' && pattern.size() - p >= 2) {
      ++p;
      if (pattern[p] == c) match = true;
    } else if (pattern[p] == ']') {
      *end = p + 1;
      break;
    } else if (pattern.size() - p >= 3 && pattern[p + 1] == '-') {
      int start = static_cast<signed char>(pattern[p]);
      int stop = static_cast<signed char>(pattern[p + 2]);
      int ch = static_cast<signed char>(c);
      if (start > stop) std::swap(start, stop);
      if (nocase) {
        start = tolower(start);
        stop = tolower(stop);
        ch = tolower(ch);
      }
      p += 2;
      if (ch >= start && ch <= stop) match = true;
    } else if (Fold(pattern[p], nocase) == Fold(c, nocase)) {
      match = true;
    }
    ++p;
  }
  return negate ? !match : match;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  size_t p = 0, s = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (s < str.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_s = s;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++s;
        continue;
      }
      if (pc == '[') {
        size_t end = 0;
        if (MatchClass(pattern, p + 1, str[s], nocase, &end)) {
          p = end;
          ++s;
          continue;
        }
      } else {
        if (pc == '\\' && pattern.size() - p >= 2) ++p;
        if (Fold(pattern[p], nocase) == Fold(str[s], nocase)) {
          ++p;
          ++s;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    s = ++star_s;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string GlobEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace cachet
