// NamespaceReport: one namespace's settings, counters (summed over shards) and command
// latencies together — what NAMESPACE.STATS, the HTTP stats and the Prometheus exporter show.
//
// Thread-safety: NamespaceReports may run on any thread.
#pragma once

#include <vector>

#include "core/latency_histogram.h"
#include "core/namespace_index.h"
#include "engine/shard.h"

namespace cachet {

class Engine;

struct NamespaceReport {
  NamespaceSpec spec;
  NamespaceCounters counters;
  LatencyHistogram::Counts latency;
};

std::vector<NamespaceReport> NamespaceReports(Engine& engine);

}  // namespace cachet
