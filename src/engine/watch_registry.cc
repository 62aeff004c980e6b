// Watched-key bookkeeping.
#include "engine/watch_registry.h"

#include <algorithm>

namespace cachet {

void WatchRegistry::Watch(int db, std::string_view key, const std::shared_ptr<WatchState>& state) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_[{db, std::string(key)}].push_back(state);
  watched_.store(static_cast<int>(keys_.size()));
}

void WatchRegistry::UnwatchAll(const std::shared_ptr<WatchState>& state,
                               const std::vector<std::pair<int, std::string>>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : keys) {
    auto it = keys_.find(k);
    if (it == keys_.end()) continue;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const std::weak_ptr<WatchState>& w) {
                                auto s = w.lock();
                                return s == nullptr || s == state;
                              }),
               list.end());
    if (list.empty()) keys_.erase(it);
  }
  watched_.store(static_cast<int>(keys_.size()));
}

void WatchRegistry::TouchSlow(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(std::make_pair(db, std::string(key)));
  if (it == keys_.end()) return;
  for (auto& w : it->second) {
    if (auto s = w.lock()) s->dirty.store(true);
  }
}

void WatchRegistry::TouchDb(int db, const std::function<bool(std::string_view)>& exists) {
  if (watched_.load() == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [k, list] : keys_) {
    if (k.first != db || !exists(k.second)) continue;
    for (auto& w : list) {
      if (auto s = w.lock()) s->dirty.store(true);
    }
  }
}

}  // namespace cachet
