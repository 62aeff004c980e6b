// ServerContext: everything command handlers may reach besides the calling client — the
// engine, configuration, client registry, slow log, command table and process facts.
// Thread-safety: the pointed-to objects are thread-safe; plain fields are set before serving.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "commands/encoding_config.h"
#include "core/container.h"

namespace cachet {

class Engine;
class Config;
class ClientRegistry;
class SlowLog;
class CommandRegistry;
class PubSubRegistry;
class BlockingRegistry;
class InvalidationLog;
class InvalidationRules;
class InvalidationWorker;
class WarmService;

class CommandLog;

enum class ShutdownMode { kDefault, kNoSave, kSave };

// What persistence commands and INFO need from the persistence manager (server/persistence.h).
class PersistenceControl {
 public:
  virtual ~PersistenceControl() = default;
  // Each returns "" on success or the full error reply text; *status is the success text.
  virtual std::string Save() = 0;
  // defer: only schedule the child (asked inside EXEC, as Redis does, so that a child never
  // forks in the middle of a transaction).
  virtual std::string BackgroundSave(bool schedule, bool defer, std::string* status) = 0;
  virtual std::string BackgroundRewrite(bool defer, std::string* status) = 0;
  virtual int64_t LastSaveSeconds() const = 0;
  // INFO persistence lines ("name:value\r\n").
  virtual std::string InfoFields() const = 0;
  // When writes must be refused (the append-only log cannot be written, or shutdown has
  // saved the final state): the error text.
  virtual bool WritesRefused(std::string* error) const = 0;
  // Before exiting: stop a child, sync the log, and save the final snapshot when save rules
  // are set (kDefault) or asked for (kSave). From then on writes are refused, so nothing is
  // acknowledged that the files do not hold. Returns false (and accepts writes again) when
  // the save failed and force is false: the server must then keep running.
  virtual bool PrepareShutdown(ShutdownMode mode, bool force) = 0;
  // FLUSHALL with save rules set saves the (now empty) dataset, as Redis does.
  virtual void SaveAfterFlushAll() = 0;
};

struct ConnectionStats {
  std::atomic<uint64_t> total_connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
};

struct ServerContext {
  Engine* engine = nullptr;
  Config* config = nullptr;
  ClientRegistry* clients = nullptr;
  SlowLog* slowlog = nullptr;
  CommandRegistry* commands = nullptr;
  PubSubRegistry* pubsub = nullptr;
  BlockingRegistry* blocking = nullptr;               // clients parked in BLPOP and friends
  InvalidationLog* invalidations = nullptr;           // INVALIDATE LOG
  const InvalidationRules* rules = nullptr;           // [[rule]]s for INVALIDATE EVENT
  InvalidationWorker* invalidation_worker = nullptr;  // runs them off the I/O threads
  // Writes what commands appended to the append-only log out to the file (as the I/O threads
  // do after each batch of commands), for replies sent from other threads.
  std::function<void()> flush_log;
  ConnectionStats connections;
  std::string run_id;
  std::string executable;
  std::string config_file;
  int64_t start_time_ms = 0;
  int tcp_port = 0;
  int http_port = 0;  // 0 when the HTTP admin API is off
  int threads = 1;
  // Asks the server to shut down cleanly (SHUTDOWN); set by the server.
  std::function<void(ShutdownMode)> request_shutdown;
  PersistenceControl* persistence = nullptr;
  WarmService* warm = nullptr;  // WARM and the warm file (commands/warm_service.h)
  // INFO alerts lines ("name:value\r\n"), from the alert monitor of the HTTP layer when it
  // runs (admin/alerts.h). Set before serving.
  std::function<std::string()> alerts_info;
  // hash-max-listpack-entries and friends (set at start; CONFIG SET updates them).
  SharedEncodingLimits encoding_limits;
  // The append-only log write commands go to, when appendonly is on.
  std::atomic<CommandLog*> command_log{nullptr};
  // Cached for the hot path: empty means no password. Updated on CONFIG SET requirepass.
  std::atomic<bool> requirepass_set{false};
  // Cached slowlog-log-slower-than and slowlog-max-len (updated by CONFIG SET).
  std::atomic<int64_t> slowlog_threshold_us{10000};
  std::atomic<int64_t> slowlog_max_len{128};
  std::atomic<int64_t> instantaneous_ops_per_sec{0};  // sampled by the server cron
  std::atomic<int64_t> peak_memory{0};
};

}  // namespace cachet
