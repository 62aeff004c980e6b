// SessionStore: the server's user sessions (docs/sessions.md). Creates them with CSPRNG ids,
// validates them on read (rolling idle expiry, absolute lifetime, IP / user-agent binding),
// keeps the per-user index and limit, expires them actively, gives them up under memory
// pressure only after every cache key (Engine::EvictIfNeeded calls EvictOne last), and writes
// every change to the append-only log in a form whose replay rebuilds the session exactly.
// Sessions belong to no database; FLUSHALL clears them (Engine::FlushAll).
//
// Thread-safety: all public methods are thread-safe (one mutex: session operations are short
// and touch one user's few sessions). Lock/Unlock let Engine::LockAll hold the store still
// for snapshots and forks; *Unlocked methods REQUIRE that.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "core/session_table.h"
#include "engine/shard.h"

namespace cachet {

class Engine;

// What SESSION.CREATE asks for; negative numbers mean "the configured default".
struct SessionRequest {
  std::string user;
  std::string data = "{}";
  std::string ip;
  std::string user_agent;
  int64_t idle_ms = -1;
  int64_t max_lifetime_ms = -1;
  int bind = -1;
};

// SESSION.STATS counters.
struct SessionStats {
  uint64_t sessions = 0;
  uint64_t users = 0;
  int64_t memory_bytes = 0;
  uint64_t created = 0;
  uint64_t destroyed = 0;
  uint64_t expired = 0;
  uint64_t evicted_by_limit = 0;
  uint64_t evicted_by_memory = 0;
  uint64_t refused_by_limit = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t binding_mismatches = 0;
};

// The counters as (name, value) in SESSION.STATS order; INFO sessions prefixes "session_".
std::vector<std::pair<const char*, int64_t>> SessionStatFields(const SessionStats& stats);

class SessionStore {
 public:
  static constexpr size_t kIdBytes = 24;  // 192 random bits, 32 base64url characters
  static constexpr size_t kIdLength = 32;
  static_assert(kIdLength <= Session::kMaxIdLength, "ids are stored inline in the Session");

  explicit SessionStore(Engine* engine);
  // Whether id has the shape Create makes (kIdLength base64url characters).
  static bool WellFormedId(std::string_view id);

  // Defaults and limits (the session-* options; CONFIG SET changes them at runtime).
  void set_idle_ms(int64_t v) { idle_ms_.store(v); }
  void set_max_lifetime_ms(int64_t v) { max_lifetime_ms_.store(v); }
  void set_max_per_user(int64_t v) { max_per_user_.store(v); }
  void set_refuse_over_limit(bool v) { refuse_over_limit_.store(v); }
  void set_default_bind(uint8_t v) { default_bind_.store(v); }
  void set_max_data_bytes(int64_t v) { max_data_bytes_.store(v); }
  // The largest DATA document the commands accept (session-max-data-size).
  int64_t max_data_bytes() const { return max_data_bytes_.load(std::memory_order_relaxed); }

  // Creates a session and returns its id; kSessionLimit when the user is at the limit and the
  // policy refuses. REQUIRES: request.data is a valid JSON object.
  Result<std::string> Create(const SessionRequest& request);
  // Calls found(session) with the live session with this id, touched unless touch is false,
  // and returns true; false on a miss (unknown, expired, malformed id, or ip / user_agent not
  // matching what the session is bound to). found runs under the store's lock: it should only
  // copy or format, never call back into the store.
  bool Get(std::string_view id, std::string_view ip, std::string_view user_agent, bool touch,
           const std::function<void(const Session&)>& found);
  // The same, returning a copy (tests and the embedding API).
  std::optional<Session> Get(std::string_view id, std::string_view ip, std::string_view user_agent,
                             bool touch);
  // Replaces the data and touches. False on a miss. REQUIRES: data is a valid JSON object.
  bool SetData(std::string_view id, std::string_view data);
  bool Touch(std::string_view id);
  bool Destroy(std::string_view id);
  // Destroys all of user's sessions but `except` (may be empty). Returns how many.
  size_t DestroyAll(std::string_view user, std::string_view except);
  // The user's live sessions, most recently active first. Touches nothing.
  std::vector<Session> List(std::string_view user);
  size_t Count(std::string_view user);
  SessionStats Stats();
  void ResetStats();

  // Replay and migration forms (SESSION.RESTORE, SESSION.TOUCHAT): stored as given, no limit,
  // no expiry check.
  void Restore(Session session);
  bool TouchAt(std::string_view id, int64_t at_ms);

  // Removes expired sessions within the time budget; returns how many.
  size_t ActiveExpire(int64_t budget_us);
  // Destroys the least recently active session (memory pressure, after every cache key).
  // False when there is none.
  bool EvictOne();
  // FLUSHALL. Returns how many were removed.
  size_t Clear();

  // Snapshots: hold the store still, then read it.
  void Lock() { mu_.raw_lock(); }
  void Unlock() { mu_.raw_unlock(); }
  // Least recently active first: a snapshot restored in this order keeps the activity order.
  void ForEachUnlocked(const std::function<void(const Session&)>& fn);
  size_t SizeUnlocked() const { return table_.size(); }

 private:
  // The session if it is present and live (expired ones are removed on the way).
  // REQUIRES: mu_ held.
  Session* FindLive(std::string_view id, int64_t now);
  // Removal paths. REQUIRES: mu_ held.
  void RemoveLogged(Session* s);
  void Expire(Session* s);
  // Records one change for the append-only log and the save rules. REQUIRES: mu_ held.
  void Log(std::initializer_list<std::string_view> args);
  void LogRestore(const Session& s);
  void LogTouch(const Session& s);
  // Moves the table's memory change into the engine's accounting. REQUIRES: mu_ held.
  void SyncMemory();

  Engine* engine_;
  std::atomic<int64_t> idle_ms_{1800 * 1000};
  std::atomic<int64_t> max_lifetime_ms_{86400 * 1000};
  std::atomic<int64_t> max_per_user_{0};
  std::atomic<bool> refuse_over_limit_{false};
  std::atomic<uint8_t> default_bind_{kBindNone};
  std::atomic<int64_t> max_data_bytes_{1024 * 1024};

  // A ShardMutex, so that a thread inside Engine::LockAll (EXEC) runs session commands
  // without locking again.
  mutable ShardMutex mu_;
  SessionTable table_;
  int64_t charged_bytes_ = 0;  // what the engine's dataset bytes include for sessions
  SessionStats stats_;         // counters only; sizes come from table_
};

}  // namespace cachet
