// Parsing namespace options.
#include "commands/namespace_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "base/numbers.h"

namespace cachet {
namespace {

constexpr int64_t kMaxSeconds = int64_t{100} * 365 * 24 * 3600;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c == '_' ? '-' : static_cast<char>(std::tolower(c));
  });
  return s;
}

bool Seconds(const std::string& name, const std::string& v, int64_t* ms, std::string* error) {
  int64_t s;
  if (!ParseInt64(v, &s) || s < 0 || s > kMaxSeconds) {
    *error = "ERR namespace " + name + " must be a whole number of seconds (0 = none)";
    return false;
  }
  *ms = s * 1000;
  return true;
}

}  // namespace

bool NamespaceSpecFromFields(const std::vector<std::pair<std::string, std::string>>& fields,
                             NamespaceSpec* spec, std::string* error) {
  bool has_name = false, has_prefix = false;
  for (const auto& [raw, value] : fields) {
    std::string option = Lower(raw);
    if (option == "name") {
      spec->name = value;
      has_name = true;
    } else if (option == "prefix") {
      spec->prefix = value;
      has_prefix = true;
    } else if (option == "ttl") {
      if (!Seconds("ttl", value, &spec->ttl_ms, error)) return false;
    } else if (option == "stale") {
      if (!Seconds("stale", value, &spec->stale_ms, error)) return false;
    } else if (option == "beta") {
      char* end = nullptr;
      double b = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(b) || b < 0 || b > 100) {
        *error = "ERR namespace beta must be a number from 0 to 100";
        return false;
      }
      spec->beta = b;
    } else if (option == "compress-above") {
      int64_t n;
      if (!ParseInt64(value, &n) || n < 0) {
        *error = "ERR namespace compress-above must be a number of bytes (0 = never)";
        return false;
      }
      spec->compress_above = n;
    } else if (option == "compress") {
      if (!ParseCodec(value, &spec->codec)) {
        *error = "ERR namespace compress must be lz4 or zstd";
        return false;
      }
    } else {
      *error = "ERR unknown namespace option '" + raw + "'";
      return false;
    }
  }
  if (!has_name || spec->name.empty() || spec->name.size() > 128) {
    *error = "ERR a namespace needs a name of 1 to 128 bytes";
    return false;
  }
  if (!has_prefix || spec->prefix.size() > 1024) {
    *error = "ERR namespace '" + spec->name + "' needs a prefix of at most 1024 bytes";
    return false;
  }
  return true;
}

}  // namespace cachet
