// CheckJsonObject: validates that text is one well-formed JSON object (RFC 8259, UTF-8), with
// bounded nesting, without building it in memory — what session data must be. Built on
// nlohmann::json's SAX parser, so no document is materialised and depth is our bound, not the
// stack's.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace cachet {

inline constexpr int kMaxJsonDepth = 64;

enum class JsonCheck { kObject, kNotAnObject, kInvalid, kTooDeep };

// Whether text is a JSON object nested at most max_depth levels. For kInvalid, *detail is the
// parser's one-line reason ("parse error at line 1, column 7: syntax error ...").
JsonCheck CheckJsonObject(std::string_view text, std::string* detail,
                          int max_depth = kMaxJsonDepth);

}  // namespace cachet
