// Per-thread counter blocks and their aggregation.
#include "commands/command_stats.h"

#include <map>
#include <memory>

namespace cachet {
namespace {

std::mutex g_mu;
std::vector<std::unique_ptr<ThreadCounters>>& Blocks() {
  static auto* blocks = new std::vector<std::unique_ptr<ThreadCounters>>();
  return *blocks;
}
// Latency counts at the last Reset(), per command id that had any.
std::map<int, LatencyHistogram::Counts>& LatencyBaseline() {
  static auto* baseline = new std::map<int, LatencyHistogram::Counts>();
  return *baseline;
}

void SubtractBaseline(int id, LatencyHistogram::Counts* c) {
  auto it = LatencyBaseline().find(id);
  if (it != LatencyBaseline().end()) c->Subtract(it->second);
}

LatencyHistogram::Counts RawLatency(int id) {
  LatencyHistogram::Counts c;
  for (const auto& b : Blocks()) {
    if (const LatencyHistogram* h = b->commands[id].latency.load(std::memory_order_acquire)) {
      h->AddTo(&c);
    }
  }
  return c;
}

std::map<int, LatencyHistogram::Counts>& NamespaceBaseline() {
  static auto* baseline = new std::map<int, LatencyHistogram::Counts>();
  return *baseline;
}

LatencyHistogram::Counts RawNamespaceLatency(int slot) {
  LatencyHistogram::Counts c;
  for (const auto& b : Blocks()) {
    if (const LatencyHistogram* h = b->namespace_latency[slot].load(std::memory_order_acquire)) {
      h->AddTo(&c);
    }
  }
  return c;
}

ServerTotals& Baseline() {
  static auto* baseline = new ServerTotals{0, 0, std::vector<CommandCounters>(kMaxCommandIds)};
  return *baseline;
}

}  // namespace

ThreadCounters& CommandStats::Local() {
  thread_local ThreadCounters* local = [] {
    auto block = std::make_unique<ThreadCounters>();
    ThreadCounters* raw = block.get();
    std::lock_guard<std::mutex> lock(g_mu);
    Blocks().push_back(std::move(block));
    return raw;
  }();
  return *local;
}

ServerTotals CommandStats::RawTotals() {
  ServerTotals t{0, 0, std::vector<CommandCounters>(kMaxCommandIds)};
  for (const auto& b : Blocks()) {
    t.commands_processed += b->commands_processed.load(std::memory_order_relaxed);
    t.error_replies += b->error_replies.load(std::memory_order_relaxed);
    for (int i = 0; i < kMaxCommandIds; ++i) {
      t.commands[i].calls += b->commands[i].calls.load(std::memory_order_relaxed);
      t.commands[i].usec += b->commands[i].usec.load(std::memory_order_relaxed);
      t.commands[i].rejected += b->commands[i].rejected.load(std::memory_order_relaxed);
      t.commands[i].failed += b->commands[i].failed.load(std::memory_order_relaxed);
    }
  }
  return t;
}

ServerTotals CommandStats::Totals() {
  std::lock_guard<std::mutex> lock(g_mu);
  ServerTotals t = RawTotals();
  const ServerTotals& base = Baseline();
  t.commands_processed -= base.commands_processed;
  t.error_replies -= base.error_replies;
  for (int i = 0; i < kMaxCommandIds; ++i) {
    t.commands[i].calls -= base.commands[i].calls;
    t.commands[i].usec -= base.commands[i].usec;
    t.commands[i].rejected -= base.commands[i].rejected;
    t.commands[i].failed -= base.commands[i].failed;
  }
  return t;
}

void CommandStats::Reset() {
  std::lock_guard<std::mutex> lock(g_mu);
  Baseline() = RawTotals();
  LatencyBaseline().clear();
  for (int i = 0; i < kMaxCommandIds; ++i) {
    LatencyHistogram::Counts c = RawLatency(i);
    if (c.total > 0) LatencyBaseline()[i] = c;
  }
}

LatencyHistogram::Counts CommandStats::Latency(int id) {
  std::lock_guard<std::mutex> lock(g_mu);
  LatencyHistogram::Counts c = RawLatency(id);
  SubtractBaseline(id, &c);
  return c;
}

LatencyHistogram::Counts CommandStats::NamespaceLatency(int slot) {
  std::lock_guard<std::mutex> lock(g_mu);
  LatencyHistogram::Counts c = RawNamespaceLatency(slot);
  auto it = NamespaceBaseline().find(slot);
  if (it != NamespaceBaseline().end()) c.Subtract(it->second);
  return c;
}

void CommandStats::ResetNamespace(int slot) {
  std::lock_guard<std::mutex> lock(g_mu);
  NamespaceBaseline()[slot] = RawNamespaceLatency(slot);
}

LatencyHistogram::Counts CommandStats::AllLatency() {
  std::lock_guard<std::mutex> lock(g_mu);
  LatencyHistogram::Counts all;
  for (int i = 0; i < kMaxCommandIds; ++i) {
    LatencyHistogram::Counts c = RawLatency(i);
    if (c.total == 0) continue;
    SubtractBaseline(i, &c);
    all.Add(c);
  }
  return all;
}

}  // namespace cachet
