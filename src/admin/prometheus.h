// Prometheus text exposition (format 0.0.4) of a ServerSnapshot, with redis_exporter's metric
// names where one exists and cachet_* names for the rest (docs/http.md lists them).
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "admin/stats_json.h"

namespace cachet {

struct HttpServerStats;
class AlertMonitor;

std::string PrometheusText(const ServerSnapshot& s, const HttpServerStats* http,
                           const AlertMonitor* alerts);

// Escapes a label value (backslash, double quote, newline).
std::string PrometheusLabel(const std::string& value);

}  // namespace cachet
