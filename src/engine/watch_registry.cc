// Watched-key bookkeeping.
#include "engine/watch_registry.h"

#include <algorithm>

namespace cachet {

void WatchRegistry::Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& state,
                          bool expired) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_[{db, std::string(key)}].push_back({state, expired});
  watched_.store(static_cast<int>(keys_.size()));
}

void WatchRegistry::UnwatchAll(const std::shared_ptr<WatchState>& state,
                               const std::vector<KeyRef>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : keys) {
    auto it = keys_.find(k);
    if (it == keys_.end()) continue;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Watcher& w) {
                                auto s = w.state.lock();
                                return s == nullptr || s == state;
                              }),
               list.end());
    if (list.empty()) keys_.erase(it);
  }
  watched_.store(static_cast<int>(keys_.size()));
}

bool WatchRegistry::AnyExpiredSinceWatch(
    const std::shared_ptr<WatchState>& state, const std::vector<KeyRef>& keys,
    const std::function<bool(int, std::string_view)>& is_expired) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : keys) {
    auto it = keys_.find(k);
    if (it == keys_.end()) continue;
    for (const Watcher& w : it->second) {
      if (w.state.lock() != state) continue;
      if (!w.expired_at_watch && is_expired(k.first, k.second)) return true;
    }
  }
  return false;
}

void WatchRegistry::TouchWatchers(std::vector<Watcher>& watchers, TouchKind kind) {
  for (Watcher& w : watchers) {
    auto s = w.state.lock();
    if (s == nullptr) continue;
    if (w.expired_at_watch && kind == TouchKind::kRemoved) {
      w.expired_at_watch = false;  // the expired key is gone: logically nothing changed
      continue;
    }
    s->dirty.store(true);
  }
}

void WatchRegistry::TouchSlow(int db, std::string_view key, TouchKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(std::make_pair(db, std::string(key)));
  if (it == keys_.end()) return;
  TouchWatchers(it->second, kind);
}

void WatchRegistry::TouchDb(int db, const std::function<bool(std::string_view)>& exists) {
  if (watched_.load() == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [k, list] : keys_) {
    if (k.first != db || !exists(k.second)) continue;
    TouchWatchers(list, TouchKind::kChanged);
  }
}

}  // namespace cachet
