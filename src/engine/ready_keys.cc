// Waited-on keys and the per-thread list of those that changed.
#include "engine/ready_keys.h"

#include <algorithm>

namespace cachet {
namespace {

thread_local std::vector<ReadyKeys::Key> touched_keys;

void Remember(ReadyKeys::Key key) {
  if (std::find(touched_keys.begin(), touched_keys.end(), key) == touched_keys.end()) {
    touched_keys.push_back(std::move(key));
  }
}

}  // namespace

void ReadyKeys::AddWaiter(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++waiters_[{db, std::string(key)}];
  waited_.fetch_add(1, std::memory_order_relaxed);
}

void ReadyKeys::RemoveWaiter(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find({db, std::string(key)});
  if (it == waiters_.end()) return;
  if (--it->second == 0) waiters_.erase(it);
  waited_.fetch_sub(1, std::memory_order_relaxed);
}

void ReadyKeys::TouchSlow(int db, std::string_view key) {
  Key k{db, std::string(key)};
  std::lock_guard<std::mutex> lock(mu_);
  if (waiters_.count(k) > 0) Remember(std::move(k));
}

void ReadyKeys::TouchDb(int db) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [k, n] : waiters_) {
    if (k.first == db) Remember(k);
  }
}

std::vector<ReadyKeys::Key> ReadyKeys::TakeTouched() {
  std::vector<Key> out;
  out.swap(touched_keys);
  return out;
}

}  // namespace cachet
