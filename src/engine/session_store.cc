// SessionStore: session operations over the SessionTable, with expiry, limits, logging and
// memory accounting.
#include "engine/session_store.h"

#include <algorithm>

#include "base/clock.h"
#include "base/numbers.h"
#include "base/secure_random.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

using Guard = std::lock_guard<ShardMutex>;

bool BindingHolds(const Session& s, std::string_view ip, std::string_view user_agent) {
  if ((s.bind & kBindIp) && ip != s.ip()) return false;
  if ((s.bind & kBindUa) && user_agent != s.user_agent()) return false;
  return true;
}

}  // namespace

std::vector<std::pair<const char*, int64_t>> SessionStatFields(const SessionStats& st) {
  auto n = [](uint64_t v) { return static_cast<int64_t>(v); };
  return {{"sessions", n(st.sessions)},
          {"users", n(st.users)},
          {"memory_bytes", st.memory_bytes},
          {"created", n(st.created)},
          {"destroyed", n(st.destroyed)},
          {"expired", n(st.expired)},
          {"evicted_by_limit", n(st.evicted_by_limit)},
          {"evicted_by_memory", n(st.evicted_by_memory)},
          {"refused_by_limit", n(st.refused_by_limit)},
          {"hits", n(st.hits)},
          {"misses", n(st.misses)},
          {"binding_mismatches", n(st.binding_mismatches)}};
}

// Ids are exactly what SecureRandomToken makes; anything else is a miss without a lookup.
bool SessionStore::WellFormedId(std::string_view id) {
  if (id.size() != SessionStore::kIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

SessionStore::SessionStore(Engine* engine) : engine_(engine) {}

void SessionStore::SyncMemory() {
  int64_t now_bytes = table_.memory_bytes();
  if (now_bytes != charged_bytes_) {
    engine_->AddDatasetBytes(now_bytes - charged_bytes_);
    charged_bytes_ = now_bytes;
  }
}

void SessionStore::Log(std::initializer_list<std::string_view> args) {
  engine_->AddDirty(1);
  CommandLog* log = engine_->command_log();
  if (log == nullptr) return;
  LoggedTransaction::BeforeAppend(log, 0);
  log->Append(0, std::span<const std::string_view>(args.begin(), args.size()));
}

void SessionStore::LogRestore(const Session& s) {
  if (engine_->command_log() == nullptr) {
    engine_->AddDirty(1);
    return;
  }
  std::string created = Int64ToString(s.created_ms), active = Int64ToString(s.last_active_ms),
              idle = Int64ToString(s.idle_ms), lifetime = Int64ToString(s.max_lifetime_ms);
  Log({"SESSION.RESTORE", s.id(), s.user(), created, active, idle, lifetime,
       SessionBindName(s.bind), s.ip(), s.user_agent(), s.data()});
}

void SessionStore::LogTouch(const Session& s) {
  if (engine_->command_log() == nullptr) {
    engine_->AddDirty(1);
    return;
  }
  std::string at = Int64ToString(s.last_active_ms);
  Log({"SESSION.TOUCHAT", s.id(), at});
}

Session* SessionStore::FindLive(std::string_view id, int64_t now) {
  if (!WellFormedId(id)) return nullptr;
  Session* s = table_.Find(id);
  if (s == nullptr) return nullptr;
  if (s->ExpiresAt() <= now && !engine_->loading()) {
    Expire(s);
    return nullptr;
  }
  return s;
}

void SessionStore::Expire(Session* s) {
  ++stats_.expired;
  table_.Remove(s);  // not logged: a replay drops it by its own deadline
  SyncMemory();
}

void SessionStore::RemoveLogged(Session* s) {
  std::string id(s->id());
  table_.Remove(s);
  SyncMemory();
  Log({"SESSION.DESTROY", id});
}

Result<std::string> SessionStore::Create(const SessionRequest& request) {
  Session s;
  s.set_id(SecureRandomToken(kIdBytes));
  s.SetText(request.user, request.ip, request.user_agent, request.data);
  s.idle_ms = request.idle_ms > 0 ? request.idle_ms : idle_ms_.load();
  s.max_lifetime_ms =
      request.max_lifetime_ms >= 0 ? request.max_lifetime_ms : max_lifetime_ms_.load();
  if (request.bind >= 0) {
    s.bind = static_cast<uint8_t>(request.bind);
  } else {  // the configured default binds to what this request gave
    uint8_t given = (s.ip().empty() ? 0 : kBindIp) | (s.user_agent().empty() ? 0 : kBindUa);
    s.bind = default_bind_.load() & given;
  }
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  s.created_ms = s.last_active_ms = now;
  int64_t limit = max_per_user_.load();
  if (limit > 0) {
    // Expired sessions do not count against the limit.
    std::vector<Session*> mine = table_.UserSessions(s.user());
    for (Session* other : mine) {
      if (other->ExpiresAt() <= now) Expire(other);
    }
    while (static_cast<int64_t>(table_.CountFor(s.user())) >= limit) {
      if (refuse_over_limit_.load()) {
        ++stats_.refused_by_limit;
        return OpStatus::kSessionLimit;
      }
      ++stats_.evicted_by_limit;
      RemoveLogged(table_.LeastActiveOf(s.user()));
    }
  }
  while (table_.Find(s.id()) != nullptr) s.set_id(SecureRandomToken(kIdBytes));  // paranoia
  Session* stored = table_.Insert(std::move(s));
  ++stats_.created;
  SyncMemory();
  LogRestore(*stored);
  return std::string(stored->id());
}

std::optional<Session> SessionStore::Get(std::string_view id, std::string_view ip,
                                         std::string_view user_agent, bool touch) {
  std::optional<Session> out;
  Get(id, ip, user_agent, touch, [&](const Session& s) { out = s; });
  return out;
}

bool SessionStore::Get(std::string_view id, std::string_view ip, std::string_view user_agent,
                       bool touch, const std::function<void(const Session&)>& found) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  Session* s = FindLive(id, now);
  if (s == nullptr) {
    ++stats_.misses;
    return false;
  }
  if (!BindingHolds(*s, ip, user_agent)) {
    ++stats_.misses;
    ++stats_.binding_mismatches;
    return false;
  }
  ++stats_.hits;
  if (touch) {
    table_.Touch(s, now);
    LogTouch(*s);
  }
  found(*s);
  return true;
}

bool SessionStore::SetData(std::string_view id, std::string_view data) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  Session* s = FindLive(id, now);
  if (s == nullptr) return false;
  table_.SetData(s, data);
  table_.Touch(s, now);
  SyncMemory();
  LogRestore(*s);
  return true;
}

bool SessionStore::Touch(std::string_view id) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  Session* s = FindLive(id, now);
  if (s == nullptr) return false;
  table_.Touch(s, now);
  LogTouch(*s);
  return true;
}

bool SessionStore::TouchAt(std::string_view id, int64_t at_ms) {
  Guard lock(mu_);
  Session* s = FindLive(id, engine_->NowMs());
  if (s == nullptr) return false;
  table_.Touch(s, at_ms);
  LogTouch(*s);
  return true;
}

bool SessionStore::Destroy(std::string_view id) {
  Guard lock(mu_);
  Session* s = FindLive(id, engine_->NowMs());
  if (s == nullptr) return false;
  ++stats_.destroyed;
  RemoveLogged(s);
  return true;
}

size_t SessionStore::DestroyAll(std::string_view user, std::string_view except) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  std::vector<Session*> mine = table_.UserSessions(user);  // a copy: removal reorders it
  size_t removed = 0;
  for (Session* s : mine) {
    if (s->ExpiresAt() <= now && !engine_->loading()) {
      Expire(s);
    } else if (s->id() != except) {
      table_.Remove(s);
      ++removed;
    }
  }
  stats_.destroyed += removed;
  SyncMemory();
  if (removed > 0) {
    if (except.empty()) {
      Log({"SESSION.DESTROYALL", user});
    } else {
      Log({"SESSION.DESTROYALL", user, "EXCEPT", except});
    }
  }
  return removed;
}

std::vector<Session> SessionStore::List(std::string_view user) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  std::vector<Session> out;
  std::vector<Session*> mine = table_.UserSessions(user);
  for (Session* s : mine) {
    if (s->ExpiresAt() <= now && !engine_->loading()) {
      Expire(s);
    } else {
      out.push_back(*s);
    }
  }
  std::sort(out.begin(), out.end(), [](const Session& a, const Session& b) {
    if (a.last_active_ms != b.last_active_ms) return a.last_active_ms > b.last_active_ms;
    return a.activity_seq() > b.activity_seq();
  });
  return out;
}

size_t SessionStore::Count(std::string_view user) {
  Guard lock(mu_);
  int64_t now = engine_->NowMs();
  std::vector<Session*> mine = table_.UserSessions(user);
  for (Session* s : mine) {
    if (s->ExpiresAt() <= now && !engine_->loading()) Expire(s);
  }
  return table_.CountFor(user);
}

SessionStats SessionStore::Stats() {
  Guard lock(mu_);
  SessionStats out = stats_;
  out.sessions = table_.size();
  out.users = table_.users();
  out.memory_bytes = table_.memory_bytes();
  return out;
}

void SessionStore::ResetStats() {
  Guard lock(mu_);
  stats_ = SessionStats();
}

void SessionStore::Restore(Session session) {
  Guard lock(mu_);
  Session* stored = table_.Insert(std::move(session));
  SyncMemory();
  LogRestore(*stored);
}

size_t SessionStore::ActiveExpire(int64_t budget_us) {
  if (engine_->loading()) return 0;
  int64_t start = MonotonicUs();
  size_t removed = 0;
  while (true) {
    Guard lock(mu_);
    int64_t now = engine_->NowMs();
    // A batch per lock hold, so that session commands wait at most one batch.
    for (int i = 0; i < 64; ++i) {
      Session* s = table_.NextToExpire();
      if (s == nullptr || s->ExpiresAt() > now) return removed;
      Expire(s);
      ++removed;
    }
    if (MonotonicUs() - start > budget_us) return removed;
  }
}

bool SessionStore::EvictOne() {
  Guard lock(mu_);
  Session* s = table_.LeastActive();
  if (s == nullptr) return false;
  ++stats_.evicted_by_memory;
  RemoveLogged(s);
  return true;
}

size_t SessionStore::Clear() {
  Guard lock(mu_);
  size_t n = table_.size();
  table_.Clear();
  SyncMemory();
  return n;
}

void SessionStore::ForEachUnlocked(const std::function<void(const Session&)>& fn) {
  table_.ForEach(fn);
}

}  // namespace cachet
