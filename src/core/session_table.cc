// SessionTable: the id map, the per-user index and the two ordered indexes.
#include "core/session_table.h"

namespace cachet {
namespace {

const std::vector<Session*>& NoSessions() {
  static const std::vector<Session*> empty;
  return empty;
}

}  // namespace

Session* SessionTable::Insert(Session s) {
  if (Session* old = Find(s.id)) Remove(old);
  auto owned = std::make_unique<Session>(std::move(s));
  Session* raw = owned.get();
  std::vector<Session*>& mine = by_user_[raw->user];
  raw->user_slot = mine.size();
  mine.push_back(raw);
  by_id_.emplace(std::string_view(raw->id), std::move(owned));
  IndexTimes(raw);
  memory_bytes_ += static_cast<int64_t>(raw->MemoryBytes());
  return raw;
}

Session* SessionTable::Find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

void SessionTable::IndexTimes(Session* s) {
  by_deadline_.emplace(s->ExpiresAt(), s);
  s->activity_seq = ++next_seq_;
  by_activity_.emplace(s->last_active_ms, s->activity_seq, s);
}

void SessionTable::Unindex(Session* s) {
  by_deadline_.erase({s->ExpiresAt(), s});
  by_activity_.erase({s->last_active_ms, s->activity_seq, s});
}

void SessionTable::Touch(Session* s, int64_t now_ms) {
  Unindex(s);
  s->last_active_ms = now_ms;
  IndexTimes(s);
}

void SessionTable::SetData(Session* s, std::string data) {
  memory_bytes_ -= static_cast<int64_t>(s->MemoryBytes());
  std::string(std::move(data)).swap(s->data);  // the old buffer goes, however large it was
  memory_bytes_ += static_cast<int64_t>(s->MemoryBytes());
}

void SessionTable::Remove(Session* s) {
  Unindex(s);
  auto user_it = by_user_.find(s->user);
  std::vector<Session*>& mine = user_it->second;
  Session* moved = mine.back();
  mine[s->user_slot] = moved;
  moved->user_slot = s->user_slot;
  mine.pop_back();
  if (mine.empty()) by_user_.erase(user_it);
  memory_bytes_ -= static_cast<int64_t>(s->MemoryBytes());
  by_id_.erase(std::string_view(s->id));  // frees s
}

void SessionTable::Clear() {
  by_deadline_.clear();
  by_activity_.clear();
  by_user_.clear();
  by_id_.clear();
  memory_bytes_ = 0;
}

const std::vector<Session*>& SessionTable::UserSessions(std::string_view user) const {
  auto it = by_user_.find(std::string(user));
  return it == by_user_.end() ? NoSessions() : it->second;
}

Session* SessionTable::LeastActiveOf(std::string_view user) const {
  Session* best = nullptr;
  for (Session* s : UserSessions(user)) {
    if (best == nullptr || s->last_active_ms < best->last_active_ms ||
        (s->last_active_ms == best->last_active_ms && s->activity_seq < best->activity_seq)) {
      best = s;
    }
  }
  return best;
}

Session* SessionTable::LeastActive() const {
  return by_activity_.empty() ? nullptr : std::get<2>(*by_activity_.begin());
}

Session* SessionTable::NextToExpire() const {
  return by_deadline_.empty() ? nullptr : by_deadline_.begin()->second;
}

void SessionTable::ForEach(const std::function<void(const Session&)>& fn) const {
  for (const auto& [id, s] : by_id_) fn(*s);
}

}  // namespace cachet
