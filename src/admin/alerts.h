// AlertMonitor: the [alerts] rules of docs/http.md. Every second (on the HTTP thread) it
// samples the server, computes each rule's value over the last alert-window seconds (hit rate,
// p99 latency, memory use, eviction rate, connections), gives it the highest severity whose
// threshold it crosses, and records every change (fired, escalated, lowered, cleared) in a
// bounded history that the HTTP API and INFO alerts show.
//
// Thread-safety: Tick on one thread; the readers from any (one mutex).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin/stats_json.h"

namespace cachet {

class Config;

enum class AlertSeverity { kNone = -1, kLow = 0, kMedium, kHigh, kCritical };
const char* AlertSeverityName(AlertSeverity s);

// Parses "t1 [t2 [t3 [t4]]]" (low, medium, high, critical). Empty is valid (rule off).
bool ParseAlertThresholds(const std::string& text, std::vector<double>* out);

// The severity value reaches: the highest threshold crossed (below: value < threshold).
AlertSeverity SeverityFor(double value, const std::vector<double>& thresholds, bool below);

struct AlertEvent {
  int64_t time_ms = 0;
  std::string rule;
  std::string state;  // fired, escalated, lowered, cleared
  AlertSeverity severity = AlertSeverity::kNone;
  double value = 0;
  double threshold = 0;
  std::string message;
};

class AlertMonitor {
 public:
  AlertMonitor(ServerContext* server, Config* config);

  // Samples the server and evaluates every rule. now_ms: wall clock (tests pass their own).
  void Tick(int64_t now_ms);
  // Evaluates one sample (what Tick does after taking it); for tests.
  void Evaluate(const ServerSnapshot& sample, int64_t now_ms);

  nlohmann::json Recent(size_t limit) const;  // newest first
  nlohmann::json Monitor() const;             // active alerts, thresholds, current values
  nlohmann::json Summary() const;             // {"active": [...], "history_size": N}
  std::string InfoFields() const;             // INFO alerts
  size_t ActiveCount(AlertSeverity severity) const;
  bool AnyActiveAtLeast(AlertSeverity severity) const;

 private:
  struct Sample {
    int64_t time_ms;
    uint64_t hits, misses, evicted, commands;
    LatencyHistogram::Counts latency;
  };
  struct Rule {
    std::string name;
    std::string option;
    bool below;
    std::string unit;
  };
  struct State {
    AlertSeverity severity = AlertSeverity::kNone;
    double value = 0;
    bool has_value = false;
    int64_t since_ms = 0;
  };
  // The rule's current value over the window; false when there is not enough data.
  bool ValueOf(const Rule& rule, const ServerSnapshot& now, const Sample& oldest, int64_t now_ms,
               double* value) const;
  void Record(AlertEvent event);
  nlohmann::json ActiveJson() const;

  ServerContext* server_;
  Config* config_;
  std::vector<Rule> rules_;
  mutable std::mutex mu_;
  std::deque<Sample> samples_;
  std::map<std::string, State> states_;
  std::deque<AlertEvent> history_;
};

}  // namespace cachet
