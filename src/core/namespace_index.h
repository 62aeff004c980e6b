// NamespaceIndex: the namespaces (docs/namespaces.md) as an immutable lookup table — each a
// key prefix with its settings (default TTL, stale window, early-refresh beta, compression
// threshold and codec) and a stable slot number for its counters — answering "which namespace
// does this key belong to" by longest prefix. The lookup tries each distinct prefix length, longest
// first, with one hash probe each, so its cost depends on how many different prefix lengths
// exist, not on how many namespaces.
//
// Thread-safety: immutable once built; shared by every thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/compressed_value.h"

namespace cachet {

inline constexpr int kMaxNamespaces = 256;

struct NamespaceSpec {
  std::string name;
  std::string prefix;
  int64_t ttl_ms = 0;          // default TTL for writes that give none; 0 = none
  int64_t stale_ms = 0;        // how long after expiry a value may still be served stale
  double beta = 0;             // XFetch early-refresh factor; 0 = off
  int64_t compress_above = 0;  // values of at least this many bytes are compressed; 0 = never
  Codec codec = Codec::kLz4;   // how they are compressed
  int slot = -1;               // counters' index, assigned by the registry
};

class NamespaceIndex {
 public:
  explicit NamespaceIndex(std::vector<NamespaceSpec> specs);

  // The namespace key falls in (longest matching prefix), or nullptr.
  const NamespaceSpec* Match(std::string_view key) const;
  const std::vector<NamespaceSpec>& specs() const { return specs_; }
  const NamespaceSpec* Find(std::string_view name) const;
  bool empty() const { return specs_.empty(); }

 private:
  std::vector<NamespaceSpec> specs_;
  std::unordered_map<std::string_view, const NamespaceSpec*> by_prefix_;  // views into specs_
  std::vector<size_t> lengths_;  // distinct prefix lengths, longest first
};

}  // namespace cachet
