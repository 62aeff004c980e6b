// Redis glob matching (KEYS, SCAN MATCH, CONFIG GET): '*', '?', '[abc]', '[^a-z]', '\x'.
// Iterative with a single backtrack point, so patterns like "*a*a*a*b" never blow up.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cachet {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// text with every glob special character (* ? [ ] \) escaped, so it matches only itself.
std::string GlobEscape(std::string_view text);

}  // namespace cachet
