// SessionTable: the id table, the per-user index, the deadline heap and the activity list.
#include "core/session_table.h"

#include <memory>
#include <utility>

namespace cachet {
namespace {

const std::vector<Session*>& NoSessions() {
  static const std::vector<Session*> empty;
  return empty;
}

}  // namespace

Session* SessionTable::Insert(Session s) {
  if (Session* old = Find(s.id())) Remove(old);
  Session* raw = new Session(std::move(s));
  std::vector<Session*>& mine = by_user_[std::string(raw->user())];
  raw->user_slot_ = static_cast<uint32_t>(mine.size());
  mine.push_back(raw);
  by_id_.Insert(raw);
  by_deadline_.Push(raw);
  by_activity_.Add(raw);
  memory_bytes_ += static_cast<int64_t>(raw->MemoryBytes());
  return raw;
}

Session* SessionTable::Find(std::string_view id) const { return by_id_.Find(id); }

void SessionTable::Touch(Session* s, int64_t now_ms) {
  by_activity_.Remove(s);
  s->last_active_ms = now_ms;
  by_activity_.Add(s);
  by_deadline_.DeadlineChanged(s);
}

void SessionTable::SetData(Session* s, std::string_view data) {
  memory_bytes_ -= static_cast<int64_t>(s->MemoryBytes());
  s->set_data(data);  // a new buffer of the new size: the old one goes, however large it was
  memory_bytes_ += static_cast<int64_t>(s->MemoryBytes());
}

void SessionTable::Remove(Session* s) {
  by_deadline_.Erase(s);
  by_activity_.Remove(s);
  by_id_.Erase(s);
  auto user_it = by_user_.find(std::string(s->user()));
  std::vector<Session*>& mine = user_it->second;
  Session* moved = mine.back();
  mine[s->user_slot_] = moved;
  moved->user_slot_ = s->user_slot_;
  mine.pop_back();
  if (mine.empty()) by_user_.erase(user_it);
  memory_bytes_ -= static_cast<int64_t>(s->MemoryBytes());
  delete s;
}

void SessionTable::Clear() {
  for (Session* s : by_id_.slots()) delete s;
  by_id_.Clear();
  by_deadline_.Clear();
  by_activity_.Clear();
  by_user_.clear();
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
        (s->last_active_ms == best->last_active_ms && s->activity_seq_ < best->activity_seq_)) {
      best = s;
    }
  }
  return best;
}

void SessionTable::ForEach(const std::function<void(const Session&)>& fn) {
  for (Session* s = by_activity_.InOrder(); s != nullptr; s = s->more_active_) fn(*s);
}

}  // namespace cachet
