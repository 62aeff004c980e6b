// SessionActivityList: linking, bounded walk-back placement and the lazy sort.
#include "core/session_activity_list.h"

#include <algorithm>
#include <vector>

namespace cachet {

bool SessionActivityList::Before(const Session* a, const Session* b) {
  if (a->last_active_ms != b->last_active_ms) return a->last_active_ms < b->last_active_ms;
  return a->activity_seq_ < b->activity_seq_;
}

void SessionActivityList::LinkAfter(Session* prev, Session* s) {
  Session* next = prev == nullptr ? head_ : prev->more_active_;
  s->less_active_ = prev;
  s->more_active_ = next;
  (prev == nullptr ? head_ : prev->more_active_) = s;
  (next == nullptr ? tail_ : next->less_active_) = s;
  ++size_;
}

void SessionActivityList::Add(Session* s) {
  // The newest sequence number: s sorts after everything active in the same millisecond, so
  // only sessions active strictly later belong after it.
  s->activity_seq_ = ++next_seq_;
  Session* prev = tail_;
  for (int steps = 0; prev != nullptr && prev->last_active_ms > s->last_active_ms; ++steps) {
    if (steps == kMaxWalkBack) {
      LinkAfter(tail_, s);
      sorted_ = false;
      return;
    }
    prev = prev->less_active_;
  }
  LinkAfter(prev, s);
}

void SessionActivityList::Remove(Session* s) {
  (s->less_active_ == nullptr ? head_ : s->less_active_->more_active_) = s->more_active_;
  (s->more_active_ == nullptr ? tail_ : s->more_active_->less_active_) = s->less_active_;
  s->less_active_ = s->more_active_ = nullptr;
  --size_;
}

Session* SessionActivityList::Least() {
  Sort();
  return head_;
}

void SessionActivityList::Sort() {
  if (sorted_) return;
  std::vector<Session*> all;
  all.reserve(size_);
  for (Session* s = head_; s != nullptr; s = s->more_active_) all.push_back(s);
  std::sort(all.begin(), all.end(), Before);
  head_ = tail_ = nullptr;
  size_ = 0;
  for (Session* s : all) LinkAfter(tail_, s);
  sorted_ = true;
}

void SessionActivityList::Clear() {
  head_ = tail_ = nullptr;
  size_ = 0;
  sorted_ = true;
}

}  // namespace cachet
