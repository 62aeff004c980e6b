// Persistence: cachet's snapshots and append-only log at run time — loading at start
// (snapshot, then the log), SAVE, BGSAVE and BGREWRITEAOF through fork() (the child writes a
// point-in-time copy while the parent keeps serving), save rules, automatic log rewrites,
// everysec fsync, and the final save at shutdown.
//
// Thread-safety: public methods are thread-safe; Cron runs on loop 0.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/command.h"
#include "commands/server_context.h"
#include "config/config.h"
#include "engine/engine.h"
#include "persist/journal.h"
#include "persist/manifest.h"

namespace cachet {

class Persistence : public PersistenceControl {
 public:
  // Replays one logged command (the server dispatches it through the command table).
  using Replayer = std::function<void(int db, ArgList args)>;

  Persistence(Engine* engine, Config* config, ServerContext* context);
  ~Persistence() override;

  // Start-up: loads the dataset and, with appendonly on, opens the log. Returns false with a
  // clear *error (file and offset) when a file is damaged.
  bool Load(const Replayer& replay, std::string* error);
  // Called by each loop after a batch of commands, before replies are sent.
  void WriteOut();
  // Periodic work: reap the child, apply save rules, auto-rewrite. Loop 0, every cron tick.
  void Cron();
  // Last step of shutdown, after the loops stopped: stops the fsync thread and syncs the log.
  void Shutdown();
  // The listening socket, closed in forked children.
  void set_listen_fd(int fd) { listen_fd_ = fd; }
  // CONFIG SET appendonly / appendfsync.
  void OnAppendOnlyChanged(bool on);
  void OnFsyncChanged(const std::string& policy);

  // PersistenceControl
  std::string Save() override;
  std::string BackgroundSave(bool schedule, bool defer, std::string* status) override;
  std::string BackgroundRewrite(bool defer, std::string* status) override;
  int64_t LastSaveSeconds() const override { return last_save_s_.load(); }
  std::string InfoFields() const override;
  bool WritesRefused(std::string* error) const override;
  bool PrepareShutdown(ShutdownMode mode, bool force) override;
  void SaveAfterFlushAll() override;

 private:
  enum class ChildKind { kNone, kSnapshot, kRewrite };

  std::string SnapshotPath() const;
  std::string AofDir() const;
  std::string ManifestPath() const;
  bool LoadAof(const Replayer& replay, std::string* error);
  bool ReplayLog(const std::string& path, bool last, const Replayer& replay, bool* damaged,
                 std::string* error);
  // Creates the log from the current dataset in-process (start-up, no clients yet).
  bool CreateAof(std::string* error);
  bool OpenJournal(const std::string& path, std::string* error);
  std::string StartChild(ChildKind kind);
  void ChildFinished(int status);
  void EverySecLoop();
  void KillChildLocked();  // REQUIRES: mu_ held

  Journal* journal() const;

  Engine* engine_;
  Config* config_;
  ServerContext* context_;
  // The log writes go to. Journals are kept until shutdown even when replaced or turned
  // off, because a command may still hold a pointer it loaded a moment before.
  std::atomic<Journal*> active_journal_{nullptr};
  std::vector<std::unique_ptr<Journal>> journals_;
  bool enabling_ = false;     // appendonly turned on at run time: no manifest until the base
  std::string rewrite_incr_;  // the log file started when the rewrite child forked

  mutable std::mutex mu_;  // child state, manifest
  ChildKind child_kind_ = ChildKind::kNone;
  pid_t child_pid_ = -1;
  int child_pipe_ = -1;
  int64_t child_start_us_ = 0;
  uint64_t dirty_at_fork_ = 0;
  std::string rewrite_base_;  // the base file the rewrite child is writing
  AofManifest manifest_;
  bool snapshot_scheduled_ = false;
  bool rewrite_scheduled_ = false;
  int64_t last_bgsave_try_s_ = 0;

  std::atomic<int64_t> last_save_s_{0};
  std::atomic<bool> last_bgsave_ok_{true};
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<int64_t> last_bgsave_seconds_{-1};
  std::atomic<int64_t> last_rewrite_seconds_{-1};
  std::atomic<int64_t> latest_fork_usec_{0};
  std::atomic<int64_t> last_rdb_cow_bytes_{0};
  std::atomic<int64_t> last_aof_cow_bytes_{0};
  std::atomic<int64_t> last_stall_us_{0};  // time every shard lock was held to start a child
  std::atomic<int64_t> last_snapshot_keys_{0};
  std::atomic<uint64_t> saves_{0};
  std::atomic<uint64_t> rewrites_{0};
  std::atomic<uint64_t> aof_base_size_{0};
  std::atomic<int64_t> loading_us_{0};
  std::atomic<bool> shutting_down_{false};
  int listen_fd_ = -1;
  std::atomic<uint64_t> loaded_keys_{0};

  std::thread fsync_thread_;
  std::mutex fsync_mu_;
  std::condition_variable fsync_cv_;
  bool stopping_ = false;
};

}  // namespace cachet
