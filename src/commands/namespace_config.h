// Namespace definitions from text: NAMESPACE.SET's options and the [[namespace]] tables of a
// config file share one parser, so both accept the same names, units and limits.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/namespace_index.h"

namespace cachet {

// fields: (option, value) pairs, options case-insensitive: name, prefix, ttl (seconds),
// stale (seconds), beta (a non-negative float), compress-above (bytes), compress (lz4 or
// zstd). name and prefix are required. False with *error (a full "ERR ..." reply text) on
// anything else.
bool NamespaceSpecFromFields(const std::vector<std::pair<std::string, std::string>>& fields,
                             NamespaceSpec* spec, std::string* error);

}  // namespace cachet
