// InvalidationLog: a bounded ring of records, and the published message.
#include "commands/invalidation_log.h"

#include <nlohmann/json.hpp>

namespace cachet {

uint64_t InvalidationLog::Add(InvalidationRecord r) {
  std::lock_guard<std::mutex> lock(mu_);
  r.id = next_id_++;
  total_keys_ += r.keys;
  records_.push_back(std::move(r));
  while (records_.size() > capacity_) records_.pop_front();
  return records_.back().id;
}

std::vector<InvalidationRecord> InvalidationLog::Recent(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<InvalidationRecord> out;
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < count; ++it)
    out.push_back(*it);
  return out;
}

void InvalidationLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  records_.clear();
}

uint64_t InvalidationLog::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_id_;
}

uint64_t InvalidationLog::total_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_keys_;
}

std::string InvalidationMessage(const InvalidationRecord& r, const std::vector<std::string>& keys,
                                bool truncated) {
  nlohmann::json j = {{"id", r.id},         {"time_ms", r.time_ms}, {"kind", r.kind},
                      {"target", r.target}, {"reason", r.reason},   {"db", r.db},
                      {"count", r.keys},    {"keys", keys},         {"truncated", truncated}};
  // Keys are arbitrary bytes: invalid UTF-8 is replaced rather than refused.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cachet
