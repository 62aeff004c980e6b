// RecentTagInvalidations: a bounded map of tag -> sequence of its last invalidation.
#include "engine/recent_tag_invalidations.h"

#include <algorithm>

namespace cachet {

std::string RecentTagInvalidations::Slot(int db, std::string_view tag) {
  return std::to_string(db) + ":" + std::string(tag);
}

void RecentTagInvalidations::Note(int db, std::string_view tag) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string slot = Slot(db, tag);
  last_[slot] = ++seq_;
  order_.emplace_back(seq_, std::move(slot));
  while (order_.size() > kCapacity) {
    auto& [seq, s] = order_.front();
    auto it = last_.find(s);
    if (it != last_.end() && it->second == seq) {  // its newest record: the tag leaves the map
      last_.erase(it);
      dropped_until_ = std::max(dropped_until_, seq);
    }
    order_.pop_front();
  }
}

uint64_t RecentTagInvalidations::sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seq_;
}

bool RecentTagInvalidations::AnySince(int db, std::span<const std::string_view> tags,
                                      uint64_t since) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (tags.empty()) return false;
  if (dropped_until_ > since) return true;
  for (std::string_view t : tags) {
    auto it = last_.find(Slot(db, t));
    if (it != last_.end() && it->second > since) return true;
  }
  return false;
}

}  // namespace cachet
