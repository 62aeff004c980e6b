// Gathering namespace reports.
#include "commands/namespace_report.h"

#include "commands/command_stats.h"
#include "engine/engine.h"

namespace cachet {

std::vector<NamespaceReport> NamespaceReports(Engine& engine) {
  std::vector<NamespaceReport> out;
  for (const NamespaceSpec& spec : engine.namespaces().List()) {
    out.push_back(
        {spec, engine.namespaces().Totals(spec.slot), CommandStats::NamespaceLatency(spec.slot)});
  }
  return out;
}

}  // namespace cachet
