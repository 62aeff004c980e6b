// Longest-prefix lookup over the namespace prefixes.
#include "core/namespace_index.h"

#include <algorithm>

namespace cachet {

NamespaceIndex::NamespaceIndex(std::vector<NamespaceSpec> specs) : specs_(std::move(specs)) {
  for (const NamespaceSpec& s : specs_) {
    by_prefix_.emplace(std::string_view(s.prefix), &s);
    lengths_.push_back(s.prefix.size());
  }
  std::sort(lengths_.begin(), lengths_.end(), std::greater<>());
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
}

const NamespaceSpec* NamespaceIndex::Match(std::string_view key) const {
  for (size_t len : lengths_) {
    if (len > key.size()) continue;
    auto it = by_prefix_.find(key.substr(0, len));
    if (it != by_prefix_.end()) return it->second;
  }
  return nullptr;
}

const NamespaceSpec* NamespaceIndex::Find(std::string_view name) const {
  for (const NamespaceSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace cachet
