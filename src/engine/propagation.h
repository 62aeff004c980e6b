// Propagation: how a command's effect reaches the append-only log. The dispatcher opens a
// PropagationScope for each write command; when the command changes data, KeyAccess emits the
// scope's arguments to the CommandLog while it still holds the shard locks, so the log's order
// is the order in which commands changed each key. Commands whose replay would differ (relative
// TTLs, INCRBYFLOAT) log a rewritten, deterministic form instead (Rewrite()).
//
// Thread-safety: a scope belongs to the thread running the command (thread_local current);
// CommandLog::Append must be thread-safe.
#pragma once

#include <atomic>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachet {

class CommandLog {
 public:
  virtual ~CommandLog() = default;
  virtual void Append(int db, std::span<const std::string_view> args) = 0;
};

class PropagationScope {
 public:
  // log_source is read when the command changes data (under the shard locks), so a log that
  // is switched on while the command waits for its locks still receives it.
  PropagationScope(const std::atomic<CommandLog*>* log_source, int db,
                   std::span<const std::string_view> args);
  ~PropagationScope();
  PropagationScope(const PropagationScope&) = delete;
  PropagationScope& operator=(const PropagationScope&) = delete;

  // The scope of the command running on this thread, or nullptr.
  static PropagationScope* Current();
  // Whether the running command's changes go to a log (build rewritten forms only then).
  static bool Logging();
  // Log `args` instead of the command's own arguments.
  static void Rewrite(std::vector<std::string> args);
  // Called (under the shard locks) when the command changed data. Emits once.
  void Emit();

 private:
  const std::atomic<CommandLog*>* log_source_;
  int db_;
  std::span<const std::string_view> args_;
  std::vector<std::string> rewritten_;
  bool has_rewrite_ = false;
  bool emitted_ = false;
  PropagationScope* previous_;
};

// While EXEC runs on this thread, the writes it logs are bracketed by MULTI and EXEC records so
// that a replay applies all of them or none. The MULTI record goes just before the first logged
// write, into the log that write goes to (a log switched mid-transaction gets its own bracket);
// a transaction that changed nothing logs nothing.
class LoggedTransaction {
 public:
  LoggedTransaction();
  ~LoggedTransaction();  // closes the bracket
  LoggedTransaction(const LoggedTransaction&) = delete;
  LoggedTransaction& operator=(const LoggedTransaction&) = delete;

  // Called before a record of the running command goes to log.
  static void BeforeAppend(CommandLog* log, int db);

 private:
  void Close();

  CommandLog* open_in_ = nullptr;
  int db_ = 0;
  LoggedTransaction* previous_;
};

}  // namespace cachet
