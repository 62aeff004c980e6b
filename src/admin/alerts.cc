// Alert rules, evaluation over a sliding window, history.
#include "admin/alerts.h"

#include <cmath>
#include <sstream>

#include "base/clock.h"
#include "base/logging.h"
#include "config/config.h"

namespace cachet {
namespace {

constexpr const char* kStates[] = {"fired", "escalated", "lowered", "cleared"};

}  // namespace

const char* AlertSeverityName(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::kLow:
      return "low";
    case AlertSeverity::kMedium:
      return "medium";
    case AlertSeverity::kHigh:
      return "high";
    case AlertSeverity::kCritical:
      return "critical";
    default:
      return "none";
  }
}

bool ParseAlertThresholds(const std::string& text, std::vector<double>* out) {
  out->clear();
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    char* end = nullptr;
    double v = std::strtod(word.c_str(), &end);
    if (end == word.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) return false;
    out->push_back(v);
  }
  return out->size() <= 4;
}

AlertSeverity SeverityFor(double value, const std::vector<double>& thresholds, bool below) {
  AlertSeverity s = AlertSeverity::kNone;
  for (size_t i = 0; i < thresholds.size(); ++i) {
    bool crossed = below ? value < thresholds[i] : value > thresholds[i];
    if (crossed) s = static_cast<AlertSeverity>(i);
  }
  return s;
}

AlertMonitor::AlertMonitor(ServerContext* server, Config* config)
    : server_(server), config_(config) {
  rules_ = {{"hit_rate", "alert-hit-rate-below", true, "ratio"},
            {"latency_p99", "alert-p99-above-us", false, "us"},
            {"memory", "alert-memory-above", false, "ratio of maxmemory"},
            {"evictions", "alert-evictions-above", false, "per second"},
            {"connections", "alert-connections-above", false, "clients"}};
}

void AlertMonitor::Tick(int64_t now_ms) { Evaluate(TakeSnapshot(*server_), now_ms); }

bool AlertMonitor::ValueOf(const Rule& rule, const ServerSnapshot& now, const Sample& oldest,
                           int64_t now_ms, double* value) const {
  if (rule.name == "hit_rate") {
    uint64_t hits = now.keyspace_hits - oldest.hits, misses = now.keyspace_misses - oldest.misses;
    if (hits + misses < 100) return false;  // too few reads to judge
    *value = static_cast<double>(hits) / static_cast<double>(hits + misses);
    return true;
  }
  if (rule.name == "latency_p99") {
    LatencyHistogram::Counts window = now.latency;
    window.Subtract(oldest.latency);
    if (window.total < 100) return false;
    *value = window.Quantile(0.99) / 1000.0;
    return true;
  }
  if (rule.name == "memory") {
    if (now.maxmemory <= 0) return false;
    *value = static_cast<double>(now.used_memory) / static_cast<double>(now.maxmemory);
    return true;
  }
  if (rule.name == "evictions") {
    double seconds = std::max<int64_t>(1, now_ms - oldest.time_ms) / 1000.0;
    *value = static_cast<double>(now.evicted_keys - oldest.evicted) / seconds;
    return true;
  }
  *value = static_cast<double>(now.connected_clients);
  return true;
}

void AlertMonitor::Evaluate(const ServerSnapshot& s, int64_t now_ms) {
  int64_t window_ms = config_->GetInt("alert-window") * 1000;
  std::lock_guard<std::mutex> lock(mu_);
  if (!samples_.empty()) {
    const Sample& last = samples_.back();
    if (s.keyspace_hits < last.hits || s.keyspace_misses < last.misses ||
        s.evicted_keys < last.evicted || s.total_commands < last.commands ||
        s.latency.total < last.latency.total) {
      samples_.clear();  // the counters were reset: differences over the old window are void
    }
  }
  samples_.push_back(
      {now_ms, s.keyspace_hits, s.keyspace_misses, s.evicted_keys, s.total_commands, s.latency});
  while (samples_.size() > 1 && now_ms - samples_[1].time_ms >= window_ms) samples_.pop_front();
  const Sample& oldest = samples_.front();
  for (const Rule& rule : rules_) {
    std::vector<double> thresholds;
    ParseAlertThresholds(config_->GetString(rule.option), &thresholds);
    State& state = states_[rule.name];
    double value = 0;
    bool known = !thresholds.empty() && ValueOf(rule, s, oldest, now_ms, &value);
    state.has_value = known;
    state.value = value;
    AlertSeverity severity =
        known ? SeverityFor(value, thresholds, rule.below) : AlertSeverity::kNone;
    if (severity == state.severity) continue;
    AlertEvent e;
    e.time_ms = now_ms;
    e.rule = rule.name;
    e.value = value;
    int state_index = state.severity == AlertSeverity::kNone ? 0
                      : severity == AlertSeverity::kNone     ? 3
                      : severity > state.severity            ? 1
                                                             : 2;
    e.state = kStates[state_index];
    e.severity = severity == AlertSeverity::kNone ? state.severity : severity;
    if (severity != AlertSeverity::kNone) e.threshold = thresholds[static_cast<int>(severity)];
    char text[200];
    if (severity == AlertSeverity::kNone) {
      snprintf(text, sizeof(text), "%s cleared (was %s)%s", rule.name.c_str(),
               AlertSeverityName(state.severity), known ? "" : ": not enough data in the window");
    } else {
      snprintf(text, sizeof(text), "%s %s %s: %.4g (%s %s %.4g)", rule.name.c_str(),
               e.state.c_str(), AlertSeverityName(e.severity), value, rule.unit.c_str(),
               rule.below ? "below" : "above", e.threshold);
    }
    e.message = text;
    if (severity == AlertSeverity::kNone || severity < state.severity) {
      LOG_NOTICE("Alert %s", text);
    } else {
      LOG_WARNING("Alert %s", text);
    }
    state.severity = severity;
    state.since_ms = now_ms;
    Record(std::move(e));
  }
}

void AlertMonitor::Record(AlertEvent event) {
  history_.push_front(std::move(event));
  size_t limit = static_cast<size_t>(config_->GetInt("alert-history-size"));
  while (history_.size() > limit) history_.pop_back();
}

nlohmann::json AlertMonitor::ActiveJson() const {
  nlohmann::json active = nlohmann::json::array();
  for (const auto& [name, state] : states_) {
    if (state.severity == AlertSeverity::kNone) continue;
    active.push_back({{"rule", name},
                      {"severity", AlertSeverityName(state.severity)},
                      {"value", state.value},
                      {"since_ms", state.since_ms}});
  }
  return active;
}

nlohmann::json AlertMonitor::Recent(size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const AlertEvent& e : history_) {
    if (out.size() >= limit) break;
    out.push_back({{"time_ms", e.time_ms},
                   {"rule", e.rule},
                   {"state", e.state},
                   {"severity", AlertSeverityName(e.severity)},
                   {"value", e.value},
                   {"threshold", e.threshold},
                   {"message", e.message}});
  }
  return {{"alerts", out}};
}

nlohmann::json AlertMonitor::Monitor() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json rules = nlohmann::json::array();
  for (const Rule& rule : rules_) {
    std::vector<double> thresholds;
    ParseAlertThresholds(config_->GetString(rule.option), &thresholds);
    auto it = states_.find(rule.name);
    nlohmann::json row = {{"rule", rule.name},
                          {"option", rule.option},
                          {"direction", rule.below ? "below" : "above"},
                          {"unit", rule.unit},
                          {"thresholds", thresholds},
                          {"enabled", !thresholds.empty()}};
    row["value"] = it != states_.end() && it->second.has_value ? nlohmann::json(it->second.value)
                                                               : nlohmann::json(nullptr);
    row["severity"] = it != states_.end() ? AlertSeverityName(it->second.severity) : "none";
    rules.push_back(std::move(row));
  }
  return {{"active", ActiveJson()},
          {"rules", rules},
          {"window_seconds", config_->GetInt("alert-window")}};
}

nlohmann::json AlertMonitor::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"active", ActiveJson()}, {"history_size", history_.size()}};
}

size_t AlertMonitor::ActiveCount(AlertSeverity severity) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [name, state] : states_) n += state.severity == severity;
  return n;
}

bool AlertMonitor::AnyActiveAtLeast(AlertSeverity severity) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, state] : states_) {
    if (state.severity != AlertSeverity::kNone && state.severity >= severity) return true;
  }
  return false;
}

std::string AlertMonitor::InfoFields() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t active = 0;
  std::string rules;
  for (const auto& [name, state] : states_) {
    if (state.severity == AlertSeverity::kNone) continue;
    ++active;
    rules += "alert_" + name + ":" + AlertSeverityName(state.severity) + "\r\n";
  }
  std::string out = "alerts_active:" + std::to_string(active) + "\r\n";
  out += "alerts_history:" + std::to_string(history_.size()) + "\r\n";
  out += rules;
  if (!history_.empty()) out += "alerts_last:" + history_.front().message + "\r\n";
  return out;
}

}  // namespace cachet
