// Client bookkeeping and MONITOR fan-out.
#include "commands/client_registry.h"

namespace cachet {

void ClientRegistry::Add(const std::shared_ptr<ClientHandle>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_[client->info().id] = client;
}

void ClientRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(id);
  if (monitors_.erase(id) > 0) monitor_count_.store(static_cast<int>(monitors_.size()));
}

size_t ClientRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

std::shared_ptr<ClientHandle> ClientRegistry::Find(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.lock();
}

std::vector<std::shared_ptr<ClientHandle>> ClientRegistry::Snapshot() const {
  std::vector<std::shared_ptr<ClientHandle>> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(clients_.size());
  for (const auto& [id, weak] : clients_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

void ClientRegistry::AddMonitor(const std::shared_ptr<ClientHandle>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  monitors_[client->info().id] = client;
  monitor_count_.store(static_cast<int>(monitors_.size()));
}

void ClientRegistry::RemoveMonitor(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  monitors_.erase(id);
  monitor_count_.store(static_cast<int>(monitors_.size()));
}

void ClientRegistry::FeedMonitors(const std::string& line, uint64_t except) {
  std::vector<std::shared_ptr<ClientHandle>> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, weak] : monitors_) {
      if (id == except) continue;
      if (auto c = weak.lock()) targets.push_back(std::move(c));
    }
  }
  for (auto& c : targets) c->Deliver(line);
}

}  // namespace cachet
