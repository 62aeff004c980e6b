// InvalidationRules: reading [[rule]] tables and expanding their templates.
#include "commands/invalidation_rules.h"

#include "core/glob.h"

namespace cachet {

bool ValidTemplate(std::string_view tmpl) {
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '}') return false;
    if (tmpl[i] != '{') {
      ++i;
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos || close == i + 1) return false;
    if (tmpl.substr(i + 1, close - i - 1).find('{') != std::string_view::npos) return false;
    i = close + 1;
  }
  return true;
}

bool ExpandTemplate(std::string_view tmpl, const EventFields& fields, bool glob, std::string* out,
                    std::string* error) {
  out->clear();
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out->push_back(tmpl[i++]);
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    std::string_view name = tmpl.substr(i + 1, close - i - 1);
    const std::string_view* value = nullptr;
    for (const auto& [field, v] : fields) {
      if (field == name) value = &v;
    }
    if (value == nullptr) {
      *error = "ERR the event needs the field '" + std::string(name) + "' (for '" +
               std::string(tmpl) + "')";
      return false;
    }
    out->append(glob ? GlobEscape(*value) : std::string(*value));
    i = close + 1;
  }
  return true;
}

bool InvalidationRules::Add(const Config::ConfigTable& fields, std::string* error) {
  InvalidationRule rule;
  for (const auto& [field, values] : fields) {
    std::vector<std::string>* list = nullptr;
    if (field == "event") {
      if (values.size() != 1 || values[0].empty()) {
        *error = "'event' must be one non-empty string";
        return false;
      }
      rule.event = values[0];
      continue;
    }
    if (field == "keys") list = &rule.keys;
    if (field == "tags") list = &rule.tags;
    if (field == "patterns") list = &rule.patterns;
    if (list == nullptr) {
      *error = "unknown field '" + field + "' (a rule has event, keys, tags and patterns)";
      return false;
    }
    for (const std::string& t : values) {
      if (t.empty() || !ValidTemplate(t)) {
        *error = "bad template '" + t + "' in '" + field + "' (write fields as {name})";
        return false;
      }
      list->push_back(t);
    }
  }
  if (rule.event.empty()) {
    *error = "a rule needs an 'event'";
    return false;
  }
  if (rule.keys.empty() && rule.tags.empty() && rule.patterns.empty()) {
    *error = "rule '" + rule.event + "' names no keys, tags or patterns";
    return false;
  }
  rules_.push_back(std::move(rule));
  return true;
}

bool InvalidationRules::Handles(std::string_view event) const {
  for (const InvalidationRule& r : rules_) {
    if (r.event == event) return true;
  }
  return false;
}

bool InvalidationRules::Expand(std::string_view event, const EventFields& fields, EventTargets* out,
                               std::string* error) const {
  std::string text;
  auto expand_all = [&](const std::vector<std::string>& templates, bool glob,
                        std::vector<std::string>* into) {
    for (const std::string& t : templates) {
      if (!ExpandTemplate(t, fields, glob, &text, error)) return false;
      into->push_back(text);
    }
    return true;
  };
  for (const InvalidationRule& r : rules_) {
    if (r.event != event) continue;
    if (!expand_all(r.keys, false, &out->keys) || !expand_all(r.tags, false, &out->tags) ||
        !expand_all(r.patterns, true, &out->patterns)) {
      return false;
    }
  }
  return true;
}

}  // namespace cachet
