// Channel and pattern subscriptions and PUBLISH fan-out.
#include "commands/pubsub_registry.h"

#include <algorithm>

#include "core/glob.h"

namespace cachet {
namespace {

struct ThreadClient {
  uint64_t id = 0;
  std::string* out = nullptr;
  int protocol = 2;
};
thread_local ThreadClient current_client;

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

}  // namespace

std::string PubSubFrame(std::initializer_list<std::string_view> parts) {
  std::string out = "*" + std::to_string(parts.size()) + "\r\n";
  for (std::string_view p : parts) AppendBulk(&out, p);
  return out;
}

PubSubRegistry::CurrentClient::CurrentClient(uint64_t id, std::string* out, int protocol)
    : previous_id_(current_client.id),
      previous_out_(current_client.out),
      previous_protocol_(current_client.protocol) {
  current_client = {id, out, protocol};
}

PubSubRegistry::CurrentClient::~CurrentClient() {
  current_client = {previous_id_, previous_out_, previous_protocol_};
}

bool PubSubRegistry::Add(Subscribers& list, const std::shared_ptr<ClientHandle>& client) {
  uint64_t id = client->info().id;
  for (const Subscriber& s : list) {
    if (s.id == id) return false;
  }
  list.push_back({id, client});
  return true;
}

bool PubSubRegistry::Remove(Subscribers& list, uint64_t id) {
  auto it =
      std::find_if(list.begin(), list.end(), [id](const Subscriber& s) { return s.id == id; });
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

bool PubSubRegistry::Subscribe(std::string_view channel,
                               const std::shared_ptr<ClientHandle>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Add(channels_[std::string(channel)], client)) return false;
  subscriptions_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::Unsubscribe(std::string_view channel, uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end() || !Remove(it->second, client_id)) return false;
  if (it->second.empty()) channels_.erase(it);
  subscriptions_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::PSubscribe(std::string_view pattern,
                                const std::shared_ptr<ClientHandle>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(patterns_.begin(), patterns_.end(),
                         [pattern](const auto& p) { return p.first == pattern; });
  if (it == patterns_.end()) {
    patterns_.emplace_back(std::string(pattern), Subscribers());
    it = patterns_.end() - 1;
  }
  if (!Add(it->second, client)) return false;
  subscriptions_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::PUnsubscribe(std::string_view pattern, uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(patterns_.begin(), patterns_.end(),
                         [pattern](const auto& p) { return p.first == pattern; });
  if (it == patterns_.end() || !Remove(it->second, client_id)) return false;
  if (it->second.empty()) patterns_.erase(it);
  subscriptions_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void PubSubRegistry::Send(const Subscriber& s, std::string& msg) {
  if (s.id == current_client.id && current_client.out != nullptr) {
    msg[0] = current_client.protocol == 3 ? '>' : '*';
    current_client.out->append(msg);
    return;
  }
  std::shared_ptr<ClientHandle> handle = s.handle.lock();
  if (handle == nullptr) return;
  msg[0] = handle->info().resp.load(std::memory_order_relaxed) == 3 ? '>' : '*';
  handle->Deliver(msg);
}

int64_t PubSubRegistry::Publish(std::string_view channel, std::string_view message) {
  if (subscriptions_.load(std::memory_order_relaxed) == 0) return 0;
  int64_t receivers = 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(std::string(channel));
  if (it != channels_.end()) {
    std::string msg = PubSubFrame({"message", channel, message});
    for (const Subscriber& s : it->second) Send(s, msg);
    receivers += static_cast<int64_t>(it->second.size());
  }
  for (const auto& [pattern, subscribers] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    std::string msg = PubSubFrame({"pmessage", pattern, channel, message});
    for (const Subscriber& s : subscribers) Send(s, msg);
    receivers += static_cast<int64_t>(subscribers.size());
  }
  return receivers;
}

std::vector<std::string> PubSubRegistry::Channels(std::string_view pattern) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [channel, subscribers] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, channel)) out.push_back(channel);
  }
  return out;
}

int64_t PubSubRegistry::NumSub(std::string_view channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

size_t PubSubRegistry::channel_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return channels_.size();
}

size_t PubSubRegistry::pattern_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return patterns_.size();
}

}  // namespace cachet
