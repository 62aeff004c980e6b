// Config: the table of server options, their defaults, validation and current values. Values
// come from defaults, then the TOML file, then CACHET_* environment variables, then
// redis-server style flags (--port 6380); CONFIG GET/SET read and change them at runtime.
//
// Thread-safety: all methods are thread-safe (one mutex); change listeners run under no lock
// on the thread that called Set.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet {

enum class OptionType { kInt, kMemory, kBool, kString, kEnum };

struct OptionSpec {
  std::string name;
  OptionType type;
  std::string default_value;
  bool mutable_at_runtime = true;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
  std::vector<std::string> choices;  // for kEnum
  // Extra validation for kString (returns an error text or "").
  std::function<std::string(const std::string&)> validate;
  bool sensitive = false;  // never logged
  // For kString: rewrites an accepted value into the form CONFIG GET returns.
  std::function<std::string(const std::string&)> canonical;
};

class Config {
 public:
  Config();  // with every built-in option at its default

  // Sets an option from text. at_startup allows immutable options. On failure returns false
  // and *error holds a message such as "argument must be a memory value".
  bool Set(std::string_view name, std::string_view value, bool at_startup, std::string* error);
  bool Has(std::string_view name) const;
  std::optional<std::string> Get(std::string_view name) const;
  // (name, value) of every option whose name matches the glob pattern, sorted by name.
  std::vector<std::pair<std::string, std::string>> Match(std::string_view pattern) const;

  int64_t GetInt(std::string_view name) const;  // kInt, kMemory, kBool (1/0)
  bool GetBool(std::string_view name) const;
  std::string GetString(std::string_view name) const;

  // Called after the option changes at runtime (not at startup).
  void OnChange(const std::string& name, std::function<void(const std::string&)> fn);

  // Loads a TOML file; keys in any table are option names ('_' and '-' both accepted).
  bool LoadToml(const std::string& path, std::string* error);
  // Applies CACHET_<OPTION> environment variables.
  bool LoadEnvironment(std::string* error);
  // Parses redis-server style arguments: [config-file] --name value [value ...] ...
  // Sets *config_file if one is given. Returns false with *error on a bad option.
  bool ParseArgs(const std::vector<std::string>& args, std::string* config_file,
                 std::string* error);

  // The [[rule]] tables of the TOML file, in order: (field, values) pairs; a scalar field has
  // one value.
  using ConfigTable = std::vector<std::pair<std::string, std::vector<std::string>>>;
  std::vector<ConfigTable> rule_tables() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rule_tables_;
  }

  // The [[namespace]] tables of the TOML file, in order, as (field, value text) pairs.
  std::vector<std::vector<std::pair<std::string, std::string>>> namespace_tables() const {
    std::lock_guard<std::mutex> lock(mu_);
    return namespace_tables_;
  }

 private:
  struct Option {
    OptionSpec spec;
    std::string value;
    std::vector<std::function<void(const std::string&)>> listeners;
  };
  bool Normalize(const OptionSpec& spec, std::string_view input, std::string* out,
                 std::string* error) const;
  const Option* Find(std::string_view name) const;
  // The option a (case-insensitive) name or alias stands for, lower-cased.
  std::string Resolve(std::string_view name) const;

  mutable std::mutex mu_;
  std::vector<std::vector<std::pair<std::string, std::string>>> namespace_tables_;
  std::vector<ConfigTable> rule_tables_;
  std::map<std::string, Option, std::less<>> options_;
  std::map<std::string, std::string, std::less<>> aliases_;  // alias -> option name
};

// One class of client-output-buffer-limit ("<class> <hard> <soft> <seconds>"). 0 disables a
// limit.
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};
// The classes a client-output-buffer-limit value names: normal and pubsub (replica/slave are
// accepted and ignored). A class the value does not name keeps its previous setting.
struct OutputBufferLimits {
  std::optional<OutputBufferLimit> normal;
  std::optional<OutputBufferLimit> pubsub;
};
bool ParseOutputBufferLimits(const std::string& text, OutputBufferLimits* limits);
// The normal class; false when the value does not name it.
bool ParseOutputBufferLimit(const std::string& text, OutputBufferLimit* limit);

// "save" rules: pairs of <seconds> <changes> ("" = no automatic snapshots).
bool ParseSaveRules(const std::string& text, std::vector<std::pair<int64_t, int64_t>>* rules);

// The built-in option table (options.cc).
std::vector<OptionSpec> BuiltinOptions();
// Other names of built-in options, as (alias, option) pairs: Redis's pre-7.0 *-ziplist-* names.
// CONFIG GET lists both names; setting either changes the one option.
std::vector<std::pair<std::string, std::string>> BuiltinAliases();

}  // namespace cachet
