// Parked blocked clients, queued per key.
#include "commands/blocking_registry.h"

#include <algorithm>

namespace cachet {

void BlockingRegistry::Park(const std::shared_ptr<BlockedClient>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : client->keys) {
    auto& queue = queues_[{client->db, key}];
    if (std::find(queue.begin(), queue.end(), client) != queue.end()) continue;  // BLPOP k k
    queue.push_back(client);
    ready_->AddWaiter(client->db, key);
  }
  by_id_[client->client_id] = client;
  parked_.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<BlockedClient> BlockingRegistry::Front(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queues_.find({db, std::string(key)});
  if (it == queues_.end() || it->second.empty()) return nullptr;
  return it->second.front();
}

void BlockingRegistry::UnparkLocked(const std::shared_ptr<BlockedClient>& client) {
  client->ended = true;
  for (const std::string& key : client->keys) {
    auto it = queues_.find({client->db, key});
    if (it == queues_.end()) continue;
    auto pos = std::find(it->second.begin(), it->second.end(), client);
    if (pos == it->second.end()) continue;
    it->second.erase(pos);
    if (it->second.empty()) queues_.erase(it);
    ready_->RemoveWaiter(client->db, key);
  }
  by_id_.erase(client->client_id);
  parked_.fetch_sub(1, std::memory_order_relaxed);
}

bool BlockingRegistry::Claim(const std::shared_ptr<BlockedClient>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (client->ended) return false;
  UnparkLocked(client);
  return true;
}

std::shared_ptr<BlockedClient> BlockingRegistry::ClaimById(uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(client_id);
  if (it == by_id_.end()) return nullptr;
  std::shared_ptr<BlockedClient> client = it->second;
  UnparkLocked(client);
  return client;
}

}  // namespace cachet
