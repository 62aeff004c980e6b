// Namespace changes and their shard-by-shard installation.
#include "engine/namespaces.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/slice_ops.h"

namespace cachet {

bool NamespaceRegistry::Set(NamespaceSpec spec, std::string* error, bool* created) {
  std::lock_guard<std::mutex> change(change_mu_);
  std::vector<NamespaceSpec> next = List();
  auto same_name = std::find_if(next.begin(), next.end(),
                                [&](const NamespaceSpec& s) { return s.name == spec.name; });
  for (const NamespaceSpec& s : next) {
    if (s.prefix == spec.prefix && s.name != spec.name) {
      *error = "ERR prefix '" + spec.prefix + "' already belongs to namespace '" + s.name + "'";
      return false;
    }
  }
  int reset_slot = -1;
  if (same_name != next.end()) {
    spec.slot = same_name->slot;  // same counters: a namespace's history survives its edits
    *same_name = spec;
  } else {
    if (next.size() >= static_cast<size_t>(kMaxNamespaces)) {
      *error = "ERR too many namespaces (at most " + std::to_string(kMaxNamespaces) + ")";
      return false;
    }
    std::vector<bool> used(kMaxNamespaces, false);
    for (const NamespaceSpec& s : next) used[s.slot] = true;
    spec.slot = static_cast<int>(std::find(used.begin(), used.end(), false) - used.begin());
    reset_slot = spec.slot;
    next.push_back(spec);
  }
  Install(std::move(next), reset_slot);
  if (created != nullptr) *created = reset_slot >= 0;
  return true;
}

bool NamespaceRegistry::Delete(std::string_view name) {
  std::lock_guard<std::mutex> change(change_mu_);
  std::vector<NamespaceSpec> next = List();
  auto it = std::find_if(next.begin(), next.end(),
                         [&](const NamespaceSpec& s) { return s.name == name; });
  if (it == next.end()) return false;
  next.erase(it);
  Install(std::move(next), -1);
  return true;
}

void NamespaceRegistry::Install(std::vector<NamespaceSpec> specs, int reset_slot) {
  const NamespaceIndex* index = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    specs_ = specs;
    if (!specs.empty()) {
      indexes_.push_back(std::make_unique<NamespaceIndex>(std::move(specs)));
      index = indexes_.back().get();
    }
  }
  for (int i = 0; i < Engine::kShards; ++i) {
    Shard& shard = engine_->shard(i);
    std::lock_guard<ShardMutex> lock(shard.mu);
    ShardNamespaces& ns = shard.ns;
    ns.index = index;
    for (NamespaceCounters& c : ns.counters) {
      c.keys = c.memory = 0;
      c.compression = {};
    }
    if (reset_slot >= 0 && static_cast<size_t>(reset_slot) < ns.counters.size()) {
      ns.counters[reset_slot] = NamespaceCounters();
    }
    bool reindex = KeyOrderIndex::mode() == KeyOrderIndex::Mode::kNamespaces;
    for (DbSlice& slice : shard.dbs) {
      // The key order index holds the namespaced keys: rebuilt for the new namespaces.
      int64_t index_before = static_cast<int64_t>(slice.order.MemoryBytes());
      if (reindex) slice.order.Clear();
      slice.table.ForEach([&](Entry* e) {
        NamespaceCounters* c = ns.Of(e->key());
        if (reindex && c != nullptr) slice.order.Insert(e);
        if (c != nullptr) {
          ++c->keys;
          c->memory += static_cast<int64_t>(e->TotalBytes());
          if (e->type() == ValueType::kString && e->encoding() == Encoding::kCompressed) {
            c->compression.Add(e->value(), 1);
          }
        }
      });
      Charge(*engine_, shard, static_cast<int64_t>(slice.order.MemoryBytes()) - index_before);
    }
  }
  current_.store(index, std::memory_order_release);
}

std::vector<NamespaceSpec> NamespaceRegistry::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return specs_;
}

NamespaceCounters NamespaceRegistry::Totals(int slot) {
  NamespaceCounters sum;
  for (int i = 0; i < Engine::kShards; ++i) {
    Shard& shard = engine_->shard(i);
    std::lock_guard<ShardMutex> lock(shard.mu);
    if (static_cast<size_t>(slot) >= shard.ns.counters.size()) continue;
    const NamespaceCounters& c = shard.ns.counters[slot];
    sum.keys += c.keys;
    sum.memory += c.memory;
    sum.hits += c.hits;
    sum.misses += c.misses;
    sum.expired += c.expired;
    sum.evicted += c.evicted;
    sum.compression.Sum(c.compression);
  }
  return sum;
}

}  // namespace cachet
