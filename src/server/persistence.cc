// Persistence at run time: loading, fork-based background saves and rewrites, save rules,
// everysec fsync and the final save.
#include "server/persistence.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "base/clock.h"
#include "base/logging.h"
#include "commands/command.h"
#include "commands/encoding_config.h"
#include "persist/snapshot.h"

namespace cachet {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Private dirty memory of this process: in a forked child, the pages copied on write.
int64_t PrivateDirtyBytes() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  int64_t total = 0;
  while (std::getline(in, line)) {
    if (line.rfind("Private_Dirty:", 0) == 0) total += std::stoll(line.substr(14)) * 1024;
  }
  return total;
}

int64_t NowSeconds() { return static_cast<int64_t>(time(nullptr)); }

}  // namespace

Persistence::Persistence(Engine* engine, Config* config, ServerContext* context)
    : engine_(engine), config_(config), context_(context) {
  last_save_s_.store(NowSeconds());
  fsync_thread_ = std::thread([this] { EverySecLoop(); });
}

Persistence::~Persistence() {
  {
    std::lock_guard<std::mutex> lock(fsync_mu_);
    stopping_ = true;
  }
  fsync_cv_.notify_all();
  if (fsync_thread_.joinable()) fsync_thread_.join();
}

std::string Persistence::SnapshotPath() const { return config_->GetString("dbfilename"); }
std::string Persistence::AofDir() const { return config_->GetString("appenddirname"); }
std::string Persistence::ManifestPath() const { return AofDir() + "/appendonly.manifest"; }

Journal* Persistence::journal() const { return active_journal_.load(); }

void Persistence::WriteOut() {
  Journal* j = journal();
  if (j == nullptr) return;
  bool always = j->policy() == FsyncPolicy::kAlways;
  if (!j->has_pending() && !(always && !j->durable())) return;
  if (j->WriteOut()) return;
  if (j->policy() == FsyncPolicy::kAlways) {
    // The replies of these writes are not sent yet; they must never be: stop here, as Redis.
    LOG_WARNING(
        "Can't recover from an append-only log write error when appendfsync is "
        "'always' (%s). Exiting...",
        j->last_error().c_str());
    _exit(1);
  }
}

bool Persistence::Load(const Replayer& replay, std::string* error) {
  int64_t start = MonotonicUs();
  bool ok = true;
  engine_->set_loading(true);
  if (config_->GetBool("appendonly")) {
    ok = LoadAof(replay, error);
  } else if (FileExists(SnapshotPath())) {
    SnapshotStats stats;
    ok = LoadSnapshot(*engine_, SnapshotPath(), &stats, error, EncodingLimitsFrom(*config_));
    if (ok) {
      loaded_keys_.store(stats.keys);
      LOG_NOTICE("Snapshot loaded from %s: %llu keys (%llu already expired) in %.3f seconds",
                 SnapshotPath().c_str(), static_cast<unsigned long long>(stats.keys),
                 static_cast<unsigned long long>(stats.expired_skipped), stats.duration_us / 1e6);
    }
  }
  engine_->set_loading(false);
  loading_us_.store(MonotonicUs() - start);
  engine_->SubtractDirty(engine_->dirty());
  last_save_s_.store(NowSeconds());
  return ok;
}

bool Persistence::LoadAof(const Replayer& replay, std::string* error) {
  mkdir(AofDir().c_str(), 0755);
  bool exists = false;
  std::lock_guard<std::mutex> lock(mu_);
  if (!ReadManifest(ManifestPath(), &manifest_, &exists, error)) return false;
  if (!exists) {
    // First start with the log on: begin from the snapshot, if any, then create the log.
    if (FileExists(SnapshotPath())) {
      SnapshotStats stats;
      if (!LoadSnapshot(*engine_, SnapshotPath(), &stats, error, EncodingLimitsFrom(*config_)))
        return false;
      LOG_NOTICE("No append-only log yet: loaded snapshot %s (%llu keys)", SnapshotPath().c_str(),
                 static_cast<unsigned long long>(stats.keys));
    }
    return CreateAof(error);
  }
  if (!manifest_.base.empty()) {
    SnapshotStats stats;
    if (!LoadSnapshot(*engine_, AofDir() + "/" + manifest_.base, &stats, error,
                      EncodingLimitsFrom(*config_)))
      return false;
    aof_base_size_.store(FileSize(AofDir() + "/" + manifest_.base));
    LOG_NOTICE("Append-only base %s loaded: %llu keys", manifest_.base.c_str(),
               static_cast<unsigned long long>(stats.keys));
  }
  for (size_t i = 0; i < manifest_.incrs.size(); ++i) {
    bool last = i + 1 == manifest_.incrs.size();
    bool damaged = false;
    if (!ReplayLog(AofDir() + "/" + manifest_.incrs[i], last, replay, &damaged, error)) {
      return false;
    }
    if (damaged && !last) {
      // Later files assume the commands that were lost: drop them from the dataset (the
      // files stay on disk for inspection) and continue writing after the damage.
      LOG_WARNING("Ignoring %zu later log file(s) after the damaged one",
                  manifest_.incrs.size() - i - 1);
      manifest_.incrs.resize(i + 1);
      if (!WriteManifest(ManifestPath(), manifest_, error)) return false;
      break;
    }
  }
  if (manifest_.incrs.empty()) {
    manifest_.seq += 1;
    manifest_.incrs.push_back("appendonly." + std::to_string(manifest_.seq) + ".incr.log");
    if (!WriteManifest(ManifestPath(), manifest_, error)) return false;
  }
  return OpenJournal(AofDir() + "/" + manifest_.incrs.back(), error);
}

namespace {

bool IsMarker(const std::vector<std::string_view>& args, std::string_view lower) {
  return args.size() == 1 && ArgIs(args[0], lower);
}

}  // namespace

bool Persistence::ReplayLog(const std::string& path, bool last, const Replayer& replay,
                            bool* damaged, std::string* error) {
  JournalReader reader;
  if (!reader.Open(path, error)) return false;
  int db = 0;
  std::vector<std::string_view> args;
  uint64_t commands = 0;
  // A transaction's records (between MULTI and EXEC) are applied when its EXEC is read, so a
  // log cut inside one applies none of it. The views point into the mapped file.
  std::vector<std::pair<int, std::vector<std::string_view>>> transaction;
  bool in_transaction = false;
  uint64_t transaction_offset = 0;
  while (true) {
    JournalReader::Status status = reader.Next(&db, &args);
    if (status == JournalReader::Status::kEnd && !in_transaction) break;
    uint64_t offset = in_transaction ? transaction_offset : reader.record_offset();
    std::string where = "'" + path + "' at offset " + std::to_string(offset);
    if (status == JournalReader::Status::kRecord) {
      if (db < 0 || db >= engine_->databases()) {
        *error = "append-only log " + where + " names database " + std::to_string(db) +
                 ", which does not exist";
        return false;
      }
      if (IsMarker(args, "multi")) {
        if (in_transaction) {
          *error = "append-only log " + where + " has a MULTI inside a transaction";
          return false;
        }
        in_transaction = true;
        transaction_offset = reader.record_offset();
        continue;
      }
      if (IsMarker(args, "exec")) {
        for (const auto& [record_db, record] : transaction) replay(record_db, record);
        commands += transaction.size();
        transaction.clear();
        in_transaction = false;
        continue;
      }
      if (in_transaction) {
        transaction.emplace_back(db, args);
        continue;
      }
      replay(db, args);
      if (++commands % 1000000 == 0) {
        LOG_NOTICE("Replaying %s: %llu commands, %.0f%%", path.c_str(),
                   static_cast<unsigned long long>(commands),
                   100.0 * reader.record_offset() / reader.size());
      }
      continue;
    }
    // The end of the file inside a transaction counts as a torn tail: its EXEC never reached
    // the disk, so the transaction was never acknowledged.
    bool torn = status == JournalReader::Status::kTornTail || status == JournalReader::Status::kEnd;
    std::string problem =
        status == JournalReader::Status::kEnd ? "a transaction without its EXEC" : reader.problem();
    bool accept = torn ? (last && config_->GetBool("aof-load-truncated"))
                       : config_->GetBool("aof-load-corrupt");
    if (!accept) {
      *error = std::string("append-only log ") + where + " is " + (torn ? "truncated" : "corrupt") +
               " (" + problem + "); refusing to " + "start. " +
               (torn ? "Set aof-load-truncated yes to drop the incomplete last command."
                     : "Set aof-load-corrupt yes to load up to this point and drop the rest "
                       "of this file.");
      return false;
    }
    LOG_WARNING("Append-only log %s is %s (%s): truncating it there, %llu bytes dropped",
                where.c_str(), torn ? "truncated" : "corrupt", problem.c_str(),
                static_cast<unsigned long long>(reader.size() - offset));
    *damaged = true;
    if (truncate(path.c_str(), static_cast<off_t>(offset)) != 0) {
      *error = "cannot truncate '" + path + "': " + strerror(errno);
      return false;
    }
    break;
  }
  LOG_NOTICE("Replayed %llu commands from %s", static_cast<unsigned long long>(commands),
             path.c_str());
  return true;
}

bool Persistence::CreateAof(std::string* error) {
  manifest_.seq += 1;
  std::string base = "appendonly." + std::to_string(manifest_.seq) + ".base.snap";
  std::string incr = "appendonly." + std::to_string(manifest_.seq) + ".incr.log";
  engine_->LockAll();
  bool ok = WriteSnapshot(*engine_, AofDir() + "/" + base, nullptr, error);
  engine_->UnlockAll();
  if (!ok) return false;
  if (!OpenJournal(AofDir() + "/" + incr, error)) return false;
  manifest_.base = base;
  manifest_.incrs = {incr};
  aof_base_size_.store(FileSize(AofDir() + "/" + base));
  LOG_NOTICE("Append-only log created in %s", AofDir().c_str());
  return WriteManifest(ManifestPath(), manifest_, error);
}

bool Persistence::OpenJournal(const std::string& path, std::string* error) {
  FsyncPolicy policy = FsyncPolicy::kEverySec;
  ParseFsyncPolicy(config_->GetString("appendfsync"), &policy);
  auto journal = std::make_unique<Journal>(policy);
  if (!journal->Open(path, error)) return false;
  Journal* raw = journal.get();
  journals_.push_back(std::move(journal));  // never freed before shutdown: see header
  active_journal_.store(raw);
  engine_->set_command_log(raw);
  context_->command_log.store(raw);
  return true;
}

std::string Persistence::StartChild(ChildKind kind) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::string("ERR cannot create pipe: ") + strerror(errno);
  std::string target = SnapshotPath();
  std::string new_incr;
  uint64_t seq = manifest_.seq + 1;
  if (kind == ChildKind::kRewrite) {
    rewrite_base_ = "appendonly." + std::to_string(seq) + ".base.snap";
    new_incr = "appendonly." + std::to_string(seq) + ".incr.log";
    target = AofDir() + "/" + rewrite_base_;
  }
  if (kind == ChildKind::kRewrite && !enabling_) {
    // Name the new log file in the manifest before anything is written to it, and do the
    // file work before taking the shard locks (clients wait only for the switch and fork).
    std::string error;
    int fd = open((AofDir() + "/" + new_incr).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
    AofManifest next = manifest_;
    next.seq = seq;
    next.incrs.push_back(new_incr);
    if (fd < 0 || !WriteManifest(ManifestPath(), next, &error)) {
      close(fds[0]);
      close(fds[1]);
      return "ERR cannot prepare the append-only log rewrite: " +
             (fd < 0 ? std::string(strerror(errno)) : error);
    }
    manifest_ = next;
  }
  int64_t locked_at = MonotonicUs();
  engine_->LockAll();
  if (kind == ChildKind::kRewrite) {
    // Writes from now on go to the new log file; the child writes everything before it.
    std::string error;
    bool ok = journal() != nullptr ? journal()->Rotate(AofDir() + "/" + new_incr, &error)
                                   : OpenJournal(AofDir() + "/" + new_incr, &error);
    if (enabling_) manifest_.seq = seq;
    if (!ok) {
      engine_->UnlockAll();
      close(fds[0]);
      close(fds[1]);
      return "ERR " + error;
    }
    rewrite_incr_ = new_incr;
  }
  dirty_at_fork_ = engine_->dirty();
  int64_t t0 = MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: a frozen copy of the keyspace; only plain syscalls and the snapshot writer.
    close(fds[0]);
    if (listen_fd_ >= 0) close(listen_fd_);  // a restart must be able to bind while we run
    SnapshotStats stats;
    std::string error;
    bool ok = WriteSnapshot(*engine_, target, &stats, &error);
    std::string msg =
        ok ? "ok " + std::to_string(stats.keys) + " " + std::to_string(PrivateDirtyBytes())
           : "err " + error;
    ssize_t ignored = write(fds[1], msg.data(), msg.size());
    (void)ignored;
    _exit(ok ? 0 : 1);
  }
  int64_t fork_us = MonotonicUs() - t0;
  engine_->UnlockAll();
  last_stall_us_.store(MonotonicUs() - locked_at);
  if (kind == ChildKind::kRewrite && journal() != nullptr) journal()->SyncRetired();
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return std::string("ERR Can't fork: ") + strerror(errno);
  }
  child_pid_ = pid;
  child_pipe_ = fds[0];
  child_kind_ = kind;
  child_start_us_ = MonotonicUs();
  latest_fork_usec_.store(fork_us);
  LOG_NOTICE("Background %s started by pid %d (fork took %lld us)",
             kind == ChildKind::kRewrite ? "append-only log rewrite" : "saving",
             static_cast<int>(pid), static_cast<long long>(fork_us));
  return "";
}

void Persistence::ChildFinished(int status) {
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = read(child_pipe_, buf, sizeof(buf))) > 0) msg.append(buf, static_cast<size_t>(n));
  close(child_pipe_);
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && msg.rfind("ok ", 0) == 0;
  int64_t seconds = (MonotonicUs() - child_start_us_) / 1000000;
  if (ok) {
    unsigned long long keys = 0;
    long long cow = 0;
    sscanf(msg.c_str(), "ok %llu %lld", &keys, &cow);
    last_snapshot_keys_.store(static_cast<int64_t>(keys));
    (child_kind_ == ChildKind::kSnapshot ? last_rdb_cow_bytes_ : last_aof_cow_bytes_).store(cow);
  }
  if (child_kind_ == ChildKind::kSnapshot) {
    last_bgsave_seconds_.store(seconds);
    last_bgsave_ok_.store(ok);
    if (ok) {
      last_save_s_.store(NowSeconds());
      engine_->SubtractDirty(std::min(dirty_at_fork_, engine_->dirty()));
      saves_.fetch_add(1);
      LOG_NOTICE("Background saving terminated with success (%lld bytes copied on write)",
                 static_cast<long long>(last_rdb_cow_bytes_.load()));
    } else {
      last_bgsave_try_s_ = NowSeconds();
      LOG_WARNING("Background saving failed: %s", msg.empty() ? "child died" : msg.c_str());
    }
  } else {
    last_rewrite_seconds_.store(seconds);
    last_rewrite_ok_.store(ok);
    if (ok) {
      AofManifest next;
      next.seq = manifest_.seq;
      next.base = rewrite_base_;
      next.incrs = {rewrite_incr_};
      std::string error;
      if (WriteManifest(ManifestPath(), next, &error)) {
        // The old base and logs are now covered by the new base: remove them.
        if (!manifest_.base.empty()) unlink((AofDir() + "/" + manifest_.base).c_str());
        for (const std::string& incr : manifest_.incrs) {
          if (incr != rewrite_incr_) unlink((AofDir() + "/" + incr).c_str());
        }
        manifest_ = next;
        enabling_ = false;
        aof_base_size_.store(FileSize(AofDir() + "/" + rewrite_base_));
        rewrites_.fetch_add(1);
        LOG_NOTICE("Background append-only log rewrite finished successfully");
      } else {
        last_rewrite_ok_.store(false);
        LOG_WARNING("Append-only log rewrite: cannot write the manifest: %s", error.c_str());
      }
    } else {
      unlink((AofDir() + "/" + rewrite_base_).c_str());
      if (enabling_) rewrite_scheduled_ = true;  // the log has no base yet: try again
      LOG_WARNING("Background append-only log rewrite failed: %s",
                  msg.empty() ? "child died" : msg.c_str());
    }
  }
  child_pid_ = -1;
  child_pipe_ = -1;
  child_kind_ = ChildKind::kNone;
}

void Persistence::Cron() {
  std::lock_guard<std::mutex> lock(mu_);
  if (child_pid_ > 0) {
    int status = 0;
    if (waitpid(child_pid_, &status, WNOHANG) == child_pid_) ChildFinished(status);
    if (child_pid_ > 0) return;
  }
  if (rewrite_scheduled_) {
    rewrite_scheduled_ = false;
    std::string err = StartChild(ChildKind::kRewrite);
    if (!err.empty()) LOG_WARNING("Scheduled rewrite failed to start: %s", err.c_str());
    return;
  }
  if (snapshot_scheduled_) {
    snapshot_scheduled_ = false;
    std::string err = StartChild(ChildKind::kSnapshot);
    if (!err.empty()) LOG_WARNING("Scheduled BGSAVE failed to start: %s", err.c_str());
    return;
  }
  std::vector<std::pair<int64_t, int64_t>> rules;
  ParseSaveRules(config_->GetString("save"), &rules);
  int64_t now = NowSeconds();
  uint64_t dirty = engine_->dirty();
  for (const auto& [seconds, changes] : rules) {
    if (dirty >= static_cast<uint64_t>(changes) && now - last_save_s_.load() >= seconds &&
        (last_bgsave_ok_.load() || now - last_bgsave_try_s_ > 5)) {
      LOG_NOTICE("%llu changes in %lld seconds. Saving...", static_cast<unsigned long long>(dirty),
                 static_cast<long long>(seconds));
      std::string err = StartChild(ChildKind::kSnapshot);
      if (!err.empty()) {
        last_bgsave_try_s_ = now;
        LOG_WARNING("BGSAVE failed to start: %s", err.c_str());
      }
      return;
    }
  }
  Journal* j = journal();
  int64_t percentage = config_->GetInt("auto-aof-rewrite-percentage");
  if (j != nullptr && percentage > 0) {
    uint64_t size = j->file_size();
    uint64_t base = std::max<uint64_t>(aof_base_size_.load(), 1);
    if (size > static_cast<uint64_t>(config_->GetInt("auto-aof-rewrite-min-size")) &&
        size * 100 / base >= static_cast<uint64_t>(percentage)) {
      LOG_NOTICE("Starting automatic rewriting of the append-only log (%llu%% growth)",
                 static_cast<unsigned long long>(size * 100 / base));
      std::string err = StartChild(ChildKind::kRewrite);
      if (!err.empty()) LOG_WARNING("Automatic rewrite failed to start: %s", err.c_str());
    }
  }
}

std::string Persistence::Save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (child_kind_ == ChildKind::kSnapshot) return "ERR Background save already in progress";
  SnapshotStats stats;
  std::string error;
  engine_->LockAll();
  uint64_t dirty = engine_->dirty();
  bool ok = WriteSnapshot(*engine_, SnapshotPath(), &stats, &error);
  if (ok) engine_->SubtractDirty(dirty);
  engine_->UnlockAll();
  if (!ok) {
    LOG_WARNING("SAVE failed: %s", error.c_str());
    return "ERR " + error;
  }
  last_save_s_.store(NowSeconds());
  saves_.fetch_add(1);
  LOG_NOTICE("DB saved on disk: %llu keys in %.3f seconds",
             static_cast<unsigned long long>(stats.keys), stats.duration_us / 1e6);
  return "";
}

std::string Persistence::BackgroundSave(bool schedule, bool defer, std::string* status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (child_kind_ == ChildKind::kSnapshot) return "ERR Background save already in progress";
  if (child_kind_ == ChildKind::kRewrite || defer) {
    if (!schedule && !defer) {
      return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
             "SCHEDULE in order to schedule a BGSAVE whenever possible.";
    }
    snapshot_scheduled_ = true;
    *status = "Background saving scheduled";
    return "";
  }
  std::string err = StartChild(ChildKind::kSnapshot);
  if (err.empty()) *status = "Background saving started";
  return err;
}

std::string Persistence::BackgroundRewrite(bool defer, std::string* status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (journal() == nullptr) {
    return "ERR the append-only log is off; CONFIG SET appendonly yes creates it";
  }
  if (child_kind_ == ChildKind::kRewrite) {
    return "ERR Background append only file rewriting already in progress";
  }
  if (child_kind_ == ChildKind::kSnapshot || defer) {
    rewrite_scheduled_ = true;
    *status = "Background append only file rewriting scheduled";
    return "";
  }
  std::string err = StartChild(ChildKind::kRewrite);
  if (err.empty()) *status = "Background append only file rewriting started";
  return err;
}

void Persistence::OnAppendOnlyChanged(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  if (on && journal() == nullptr) {
    mkdir(AofDir().c_str(), 0755);
    bool exists = false;
    std::string error;
    AofManifest old;
    if (ReadManifest(ManifestPath(), &old, &exists, &error) && exists) manifest_.seq = old.seq;
    enabling_ = true;
    if (child_pid_ > 0) {
      rewrite_scheduled_ = true;
    } else {
      error = StartChild(ChildKind::kRewrite);
      if (!error.empty()) LOG_WARNING("Cannot start the append-only log: %s", error.c_str());
    }
  } else if (!on) {
    rewrite_scheduled_ = false;  // a deferred enable must not start the log any more
    if (journal() == nullptr) {
      enabling_ = false;
      return;
    }
    if (child_kind_ == ChildKind::kRewrite) KillChildLocked();
    journal()->Sync();
    context_->command_log.store(nullptr);
    engine_->set_command_log(nullptr);
    active_journal_.store(nullptr);
    enabling_ = false;
    LOG_NOTICE("Append-only log turned off");
  }
}

void Persistence::OnFsyncChanged(const std::string& policy) {
  FsyncPolicy p;
  if (!ParseFsyncPolicy(policy, &p)) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& j : journals_) j->set_policy(p);
}

void Persistence::EverySecLoop() {
  std::unique_lock<std::mutex> lock(fsync_mu_);
  while (!stopping_) {
    fsync_cv_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) break;
    Journal* j = journal();
    if (j != nullptr && j->policy() == FsyncPolicy::kEverySec) {
      lock.unlock();
      j->Sync();
      lock.lock();
    }
  }
}

void Persistence::KillChildLocked() {
  if (child_pid_ <= 0) return;
  LOG_NOTICE("Killing the background child (pid %d)", static_cast<int>(child_pid_));
  kill(child_pid_, SIGUSR1);
  int status;
  waitpid(child_pid_, &status, 0);
  close(child_pipe_);
  std::string target =
      child_kind_ == ChildKind::kRewrite ? AofDir() + "/" + rewrite_base_ : SnapshotPath();
  unlink((target + ".tmp-" + std::to_string(child_pid_)).c_str());
  if (child_kind_ == ChildKind::kRewrite) unlink((AofDir() + "/" + rewrite_base_).c_str());
  child_pid_ = -1;
  child_pipe_ = -1;
  child_kind_ = ChildKind::kNone;
}

bool Persistence::PrepareShutdown(ShutdownMode mode, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  KillChildLocked();
  std::vector<std::pair<int64_t, int64_t>> rules;
  ParseSaveRules(config_->GetString("save"), &rules);
  bool save = mode == ShutdownMode::kSave || (mode == ShutdownMode::kDefault && !rules.empty());
  // Under every shard lock: no write can land between the final save and the refusal flag.
  engine_->LockAll();
  bool ok = true;
  if (Journal* j = journal()) {
    if (j->Sync()) {
      LOG_NOTICE("Append-only log flushed and synced");
    } else {
      LOG_WARNING("Could not sync the append-only log: %s", j->last_error().c_str());
      ok = false;
    }
  }
  if (save) {
    LOG_NOTICE("Saving the final snapshot before exiting.");
    SnapshotStats stats;
    std::string error;
    if (WriteSnapshot(*engine_, SnapshotPath(), &stats, &error)) {
      LOG_NOTICE("DB saved on disk: %llu keys", static_cast<unsigned long long>(stats.keys));
    } else {
      LOG_WARNING("Error saving the final snapshot: %s", error.c_str());
      ok = false;
    }
  }
  if (ok || force) shutting_down_.store(true);
  engine_->UnlockAll();
  if (!ok && !force) {
    LOG_WARNING("Errors trying to shut down the server: it keeps running. Check the logs.");
    return false;
  }
  return true;
}

void Persistence::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(fsync_mu_);
    stopping_ = true;
  }
  fsync_cv_.notify_all();
  if (fsync_thread_.joinable()) fsync_thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  KillChildLocked();
  if (Journal* j = journal()) j->Sync();
}

void Persistence::SaveAfterFlushAll() {
  std::vector<std::pair<int64_t, int64_t>> rules;
  ParseSaveRules(config_->GetString("save"), &rules);
  if (rules.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (child_kind_ == ChildKind::kSnapshot) KillChildLocked();  // it would save stale data
  }
  std::string err = Save();
  if (!err.empty()) LOG_WARNING("Saving after FLUSHALL failed: %s", err.c_str());
}

bool Persistence::WritesRefused(std::string* error) const {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    *error = "ERR the server is shutting down";
    return true;
  }
  Journal* j = journal();
  if (j == nullptr || !j->write_error()) return false;
  *error = "MISCONF " + j->last_error();
  return true;
}

std::string Persistence::InfoFields() const {
  std::lock_guard<std::mutex> lock(mu_);
  Journal* j = journal();
  int64_t now_us = MonotonicUs();
  auto line = [](std::string* out, const char* name, const std::string& value) {
    *out += name;
    *out += ":";
    *out += value;
    *out += "\r\n";
  };
  std::string o;
  auto n = [](int64_t v) { return std::to_string(v); };
  line(&o, "loading", "0");
  line(&o, "async_loading", "0");
  line(&o, "rdb_changes_since_last_save", n(static_cast<int64_t>(engine_->dirty())));
  line(&o, "rdb_bgsave_in_progress", child_kind_ == ChildKind::kSnapshot ? "1" : "0");
  line(&o, "rdb_last_save_time", n(last_save_s_.load()));
  line(&o, "rdb_last_bgsave_status", last_bgsave_ok_.load() ? "ok" : "err");
  line(&o, "rdb_last_bgsave_time_sec", n(last_bgsave_seconds_.load()));
  line(&o, "rdb_current_bgsave_time_sec",
       n(child_kind_ == ChildKind::kSnapshot ? (now_us - child_start_us_) / 1000000 : -1));
  line(&o, "rdb_saves", n(static_cast<int64_t>(saves_.load())));
  line(&o, "rdb_last_cow_size", n(last_rdb_cow_bytes_.load()));
  line(&o, "aof_enabled", j != nullptr ? "1" : "0");
  line(&o, "aof_rewrite_in_progress", child_kind_ == ChildKind::kRewrite ? "1" : "0");
  line(&o, "aof_rewrite_scheduled", rewrite_scheduled_ ? "1" : "0");
  line(&o, "aof_last_rewrite_time_sec", n(last_rewrite_seconds_.load()));
  line(&o, "aof_current_rewrite_time_sec",
       n(child_kind_ == ChildKind::kRewrite ? (now_us - child_start_us_) / 1000000 : -1));
  line(&o, "aof_last_bgrewrite_status", last_rewrite_ok_.load() ? "ok" : "err");
  line(&o, "aof_rewrites", n(static_cast<int64_t>(rewrites_.load())));
  line(&o, "aof_last_write_status", j != nullptr && j->write_error() ? "err" : "ok");
  line(&o, "aof_last_cow_size", n(last_aof_cow_bytes_.load()));
  if (j != nullptr) {
    line(&o, "aof_current_size", n(static_cast<int64_t>(j->file_size() + aof_base_size_.load())));
    line(&o, "aof_base_size", n(static_cast<int64_t>(aof_base_size_.load())));
  }
  // cachet: what the last snapshot or rewrite cost the clients (how long every shard lock
  // was held to fork; commands wait at most that long) and the memory its child copied on
  // write (the extra memory it needed), plus the start-up load.
  line(&o, "latest_fork_usec", n(latest_fork_usec_.load()));
  line(&o, "cachet_snapshot_stall_usec", n(last_stall_us_.load()));
  line(&o, "cachet_snapshot_extra_memory",
       n(std::max(last_rdb_cow_bytes_.load(), last_aof_cow_bytes_.load())));
  line(&o, "cachet_last_snapshot_keys", n(last_snapshot_keys_.load()));
  line(&o, "cachet_loading_usec", n(loading_us_.load()));
  return o;
}

}  // namespace cachet
