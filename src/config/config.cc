// Option storage, validation, CONFIG GET matching and change listeners.
#include "config/config.h"

#include <strings.h>

#include <algorithm>
#include <cctype>

#include "base/numbers.h"
#include "core/glob.h"

namespace cachet {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Config::Config() {
  for (OptionSpec& spec : BuiltinOptions()) {
    Option option;
    option.value = spec.default_value;
    std::string name = spec.name;
    option.spec = std::move(spec);
    options_.emplace(std::move(name), std::move(option));
  }
  for (auto& [alias, target] : BuiltinAliases()) aliases_.emplace(alias, target);
}

std::string Config::Resolve(std::string_view name) const {
  std::string lower = Lower(name);
  auto it = aliases_.find(lower);
  return it == aliases_.end() ? lower : it->second;
}

const Config::Option* Config::Find(std::string_view name) const {
  auto it = options_.find(Resolve(name));
  return it == options_.end() ? nullptr : &it->second;
}

bool Config::Has(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return Find(name) != nullptr;
}

bool Config::Normalize(const OptionSpec& spec, std::string_view input, std::string* out,
                       std::string* error) const {
  switch (spec.type) {
    case OptionType::kInt: {
      int64_t v = 0;
      if (!ParseInt64(input, &v)) {
        *error = "argument couldn't be parsed into an integer";
        return false;
      }
      if (v < spec.min || v > spec.max) {
        *error = "argument must be between " + std::to_string(spec.min) + " and " +
                 std::to_string(spec.max) + " inclusive";
        return false;
      }
      *out = std::to_string(v);
      return true;
    }
    case OptionType::kMemory: {
      int64_t v = 0;
      if (!ParseMemorySize(input, &v) || v < 0) {
        *error = "argument must be a memory value";
        return false;
      }
      if (v < spec.min || v > spec.max) {
        *error = "argument must be between " + std::to_string(spec.min) + " and " +
                 std::to_string(spec.max) + " inclusive";
        return false;
      }
      *out = std::to_string(v);
      return true;
    }
    case OptionType::kBool: {
      std::string v = Lower(input);
      if (v != "yes" && v != "no") {
        *error = "argument must be 'yes' or 'no'";
        return false;
      }
      *out = v;
      return true;
    }
    case OptionType::kEnum: {
      std::string v = Lower(input);
      if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        *error = "argument(s) must be one of the following: ";
        for (size_t i = 0; i < spec.choices.size(); ++i)
          *error += (i ? ", " : "") + spec.choices[i];
        return false;
      }
      *out = v;
      return true;
    }
    case OptionType::kString: {
      std::string v(input);
      if (spec.validate) {
        std::string problem = spec.validate(v);
        if (!problem.empty()) {
          *error = problem;
          return false;
        }
      }
      *out = spec.canonical ? spec.canonical(v) : std::move(v);
      return true;
    }
  }
  return false;
}

bool Config::Set(std::string_view name, std::string_view value, bool at_startup,
                 std::string* error) {
  std::vector<std::function<void(const std::string&)>> listeners;
  std::string normalized;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = options_.find(Resolve(name));
    if (it == options_.end()) {
      *error = "unknown option";
      return false;
    }
    Option& option = it->second;
    if (!at_startup && !option.spec.mutable_at_runtime) {
      *error = "can't set immutable config";
      return false;
    }
    if (!Normalize(option.spec, value, &normalized, error)) return false;
    option.value = normalized;
    if (!at_startup) listeners = option.listeners;
  }
  for (auto& fn : listeners) fn(normalized);
  return true;
}

std::optional<std::string> Config::Get(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Option* option = Find(name);
  if (option == nullptr) return std::nullopt;
  return option->value;
}

std::vector<std::pair<std::string, std::string>> Config::Match(std::string_view pattern) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, option] : options_) {
    if (GlobMatch(pattern, name, true)) out.emplace_back(name, option.value);
  }
  for (const auto& [alias, target] : aliases_) {
    if (GlobMatch(pattern, alias, true)) out.emplace_back(alias, options_.at(target).value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int64_t Config::GetInt(std::string_view name) const {
  std::optional<std::string> v = Get(name);
  if (!v) return 0;
  if (*v == "yes") return 1;
  if (*v == "no") return 0;
  int64_t out = 0;
  ParseInt64(*v, &out);
  return out;
}

bool Config::GetBool(std::string_view name) const { return GetInt(name) != 0; }

std::string Config::GetString(std::string_view name) const { return Get(name).value_or(""); }

void Config::OnChange(const std::string& name, std::function<void(const std::string&)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = options_.find(Resolve(name));
  if (it != options_.end()) it->second.listeners.push_back(std::move(fn));
}

}  // namespace cachet
