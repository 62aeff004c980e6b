// InvalidationRules: the [[rule]] entries of the configuration, which map an application event
// (INVALIDATE EVENT user.profile.updated userId 42) to the keys, tags and patterns it makes
// stale, written as templates with {field} placeholders:
//
//   [[rule]]
//   event = "user.profile.updated"
//   keys = ["user:profile:{userId}", "user:permissions:{userId}"]
//   tags = ["user:{userId}"]
//   patterns = ["user:{userId}:*"]
//
// Thread-safety: rules are added before serving and only read afterwards.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace cachet {

struct InvalidationRule {
  std::string event;
  std::vector<std::string> keys;
  std::vector<std::string> tags;
  std::vector<std::string> patterns;
};

// An event's fields, as given: (name, value) pairs.
using EventFields = std::vector<std::pair<std::string_view, std::string_view>>;

// What an event expands to.
struct EventTargets {
  std::vector<std::string> keys;
  std::vector<std::string> tags;
  std::vector<std::string> patterns;
};

class InvalidationRules {
 public:
  // Adds the rule a [[rule]] table describes. False with *error naming the problem.
  bool Add(const Config::ConfigTable& fields, std::string* error);
  const std::vector<InvalidationRule>& all() const { return rules_; }
  // Whether some rule handles event.
  bool Handles(std::string_view event) const;
  // Expands every rule for event with fields. False with *error when a template names a
  // field the event did not give.
  bool Expand(std::string_view event, const EventFields& fields, EventTargets* out,
              std::string* error) const;

 private:
  std::vector<InvalidationRule> rules_;
};

// Replaces each {name} in tmpl by that field's value (escaped for glob syntax when glob is
// set, so a value cannot widen a pattern). False with *error for a missing field.
bool ExpandTemplate(std::string_view tmpl, const EventFields& fields, bool glob, std::string* out,
                    std::string* error);

// Checks a template's braces: every { closes with a non-empty name before the next {.
bool ValidTemplate(std::string_view tmpl);

}  // namespace cachet
