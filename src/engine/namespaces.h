// NamespaceRegistry: the engine's namespaces (docs/namespaces.md). Changing them builds a new
// immutable NamespaceIndex and installs it shard by shard, recounting each shard's keys and
// memory per namespace under its lock, so the per-namespace counters are exact at every
// moment (a key that moves from one namespace to another by a longer prefix appearing moves
// its counts with it). Old indexes are kept until the engine goes, so a thread that loaded the
// current one never sees it freed.
//
// Thread-safety: all methods thread-safe; Current() is one atomic load.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/namespace_index.h"
#include "engine/shard.h"

namespace cachet {

class Engine;

class NamespaceRegistry {
 public:
  explicit NamespaceRegistry(Engine* engine) : engine_(engine) {}

  // Adds spec, or replaces the namespace of that name. False with *error when another
  // namespace has the prefix or there are kMaxNamespaces already. *created tells whether the
  // name is new (its counters start from zero).
  bool Set(NamespaceSpec spec, std::string* error, bool* created = nullptr);
  bool Delete(std::string_view name);
  // The index in force (nullptr when there are no namespaces).
  const NamespaceIndex* Current() const { return current_.load(std::memory_order_acquire); }
  std::vector<NamespaceSpec> List() const;
  // A namespace's counters summed over the shards.
  NamespaceCounters Totals(int slot);

 private:
  // Installs specs in every shard, zeroing the event counters of reset_slot (a new namespace).
  void Install(std::vector<NamespaceSpec> specs, int reset_slot);

  Engine* engine_;
  // change_mu_ serializes Set/Delete and is held while Install takes shard locks; it is never
  // taken by a thread that holds shard locks (NAMESPACE.SET/DEL are refused inside MULTI).
  // mu_ guards specs_ and is only ever held briefly, never while waiting for a shard, so
  // List from inside EXEC (which holds every shard lock) cannot deadlock with an Install.
  std::mutex change_mu_;
  mutable std::mutex mu_;
  std::vector<NamespaceSpec> specs_;
  std::vector<std::unique_ptr<NamespaceIndex>> indexes_;  // every one ever installed
  std::atomic<const NamespaceIndex*> current_{nullptr};
};

}  // namespace cachet
