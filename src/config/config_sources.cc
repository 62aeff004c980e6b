// Where option values come from: a TOML file, CACHET_* environment variables and
// redis-server style command-line flags.
#include <toml++/toml.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config.h"

namespace cachet {
namespace {

std::string OptionName(std::string_view key) {
  std::string name(key);
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

// The text form of a TOML scalar, or false for tables/arrays of non-scalars.
bool ScalarText(const toml::node& node, std::string* out) {
  if (auto s = node.value<std::string>()) {
    *out = *s;
    return true;
  }
  if (node.is_boolean()) {
    *out = *node.value<bool>() ? "yes" : "no";
    return true;
  }
  if (node.is_integer()) {
    *out = std::to_string(*node.value<int64_t>());
    return true;
  }
  if (node.is_floating_point()) {  // e.g. a namespace's beta = 1.5
    char buf[32];
    snprintf(buf, sizeof(buf), "%.17g", *node.value<double>());
    *out = buf;
    return true;
  }
  if (const toml::array* arr = node.as_array()) {  // e.g. save = ["3600 1", "300 100"]
    std::string joined;
    for (const toml::node& item : *arr) {
      std::string part;
      if (!ScalarText(item, &part)) return false;
      joined += (joined.empty() ? "" : " ") + part;
    }
    *out = joined;
    return true;
  }
  return false;
}

}  // namespace

bool Config::LoadToml(const std::string& path, std::string* error) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    *error = "cannot parse config file '" + path + "' at line " + std::to_string(where.line) +
             ", column " + std::to_string(where.column) + ": " + std::string(e.description());
    return false;
  }
  // Options may be top-level or inside any table ([server], [memory], ...).
  std::vector<std::pair<std::string, const toml::node*>> items;
  for (const auto& [key, node] : root) {
    // [[namespace]] entries: kept as (field, text) lists for the server to define at start.
    if (key.str() == "namespace" && node.as_array() != nullptr) {
      for (const toml::node& entry : *node.as_array()) {
        const toml::table* t = entry.as_table();
        if (t == nullptr) {
          *error = "config file '" + path + "': each [[namespace]] must be a table";
          return false;
        }
        std::vector<std::pair<std::string, std::string>> fields;
        for (const auto& [field, value] : *t) {
          std::string text;
          if (!ScalarText(value, &text)) {
            *error = "config file '" + path + "': [[namespace]] field '" +
                     std::string(field.str()) + "' must be a scalar value";
            return false;
          }
          fields.emplace_back(std::string(field.str()), text);
        }
        std::lock_guard<std::mutex> lock(mu_);
        namespace_tables_.push_back(std::move(fields));
      }
      continue;
    }
    // [[rule]] entries (invalidation rules): fields are strings or arrays of strings.
    if (key.str() == "rule" && node.as_array() != nullptr) {
      for (const toml::node& entry : *node.as_array()) {
        const toml::table* t = entry.as_table();
        if (t == nullptr) {
          *error = "config file '" + path + "': each [[rule]] must be a table";
          return false;
        }
        Config::ConfigTable fields;
        for (const auto& [field, value] : *t) {
          std::vector<std::string> texts;
          if (const toml::array* list = value.as_array()) {
            for (const toml::node& item : *list) {
              if (!item.is_string()) {
                *error = "config file '" + path + "': [[rule]] field '" + std::string(field.str()) +
                         "' must hold strings";
                return false;
              }
              texts.push_back(std::string(*item.value<std::string>()));
            }
          } else if (value.is_string()) {
            texts.push_back(std::string(*value.value<std::string>()));
          } else {
            *error = "config file '" + path + "': [[rule]] field '" + std::string(field.str()) +
                     "' must be a string or an array of strings";
            return false;
          }
          fields.emplace_back(std::string(field.str()), std::move(texts));
        }
        std::lock_guard<std::mutex> lock(mu_);
        rule_tables_.push_back(std::move(fields));
      }
      continue;
    }
    if (const toml::table* section = node.as_table()) {
      for (const auto& [inner_key, inner] : *section)
        items.emplace_back(std::string(key.str()) + "." + std::string(inner_key.str()), &inner);
    } else {
      items.emplace_back(std::string(key.str()), &node);
    }
  }
  for (const auto& [qualified, node] : items) {
    std::string key =
        qualified.substr(qualified.find('.') == std::string::npos ? 0 : qualified.find('.') + 1);
    std::string name = OptionName(key);
    // [sessions] idle-timeout = ... stands for session-idle-timeout (and [sessions] bind for
    // session-bind, not the listening address).
    if (qualified.rfind("sessions.", 0) == 0 && Has("session-" + name)) {
      name = "session-" + name;
    }
    std::string text;
    if (!ScalarText(*node, &text)) {
      *error = "config file '" + path + "': option '" + qualified + "' must be a scalar value";
      return false;
    }
    std::string problem;
    if (!Set(name, text, true, &problem)) {
      *error = "config file '" + path + "': bad option '" + qualified + "': " + problem;
      return false;
    }
  }
  return true;
}

bool Config::LoadEnvironment(std::string* error) {
  std::vector<std::string> names;
  for (const auto& [name, value] : Match("*")) names.push_back(name);
  for (const std::string& name : names) {
    std::string var = "CACHET_";
    for (char c : name) var.push_back(c == '-' ? '_' : static_cast<char>(toupper(c)));
    const char* value = getenv(var.c_str());
    if (value == nullptr) continue;
    std::string problem;
    if (!Set(name, value, true, &problem)) {
      *error = "environment variable " + var + ": " + problem;
      return false;
    }
  }
  return true;
}

bool Config::ParseArgs(const std::vector<std::string>& args, std::string* config_file,
                       std::string* error) {
  size_t i = 0;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    *config_file = args[0];
    i = 1;
  }
  // First pass: find --config so the file is applied before the other flags.
  std::vector<std::pair<std::string, std::string>> flags;
  while (i < args.size()) {
    if (args[i].rfind("--", 0) != 0 || args[i].size() == 2) {
      *error = "unexpected argument '" + args[i] + "' (options are --name value)";
      return false;
    }
    std::string name = OptionName(args[i].substr(2));
    std::string value;
    size_t j = i + 1;
    bool first = true;
    // Values run until the next --option; several words are joined with spaces, as
    // redis-server does (--save "3600 1" or --save 3600 1).
    while (j < args.size() && !(args[j].rfind("--", 0) == 0 && args[j].size() > 2)) {
      value += (first ? "" : " ") + args[j];
      first = false;
      ++j;
    }
    if (j == i + 1) {
      *error = "option --" + name + " needs a value";
      return false;
    }
    flags.emplace_back(name, value);
    i = j;
  }
  for (const auto& [name, value] : flags) {
    if (name == "config") *config_file = value;
  }
  if (!config_file->empty() && !LoadToml(*config_file, error)) return false;
  if (!LoadEnvironment(error)) return false;
  for (const auto& [name, value] : flags) {
    if (name == "config") continue;
    std::string problem;
    if (!Set(name, value, true, &problem)) {
      *error = problem == "unknown option"
                   ? "unknown option --" + name
                   : "bad value for --" + name + " '" + value + "': " + problem;
      return false;
    }
  }
  return true;
}

}  // namespace cachet
