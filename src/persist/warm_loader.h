// WarmLoader: loads a warm file (persist/warm_file.h) into the engine on a background thread,
// gradually: records are applied in batches of `batch` keys, each key under only its own shard's
// lock, with an optional pause between batches, so clients keep being served while it runs and
// a freshly started server does not meet its first clients with one long stall; the thread
// runs at a lower CPU priority (nice 10) than the event loops. Existing keys
// are kept unless `replace`; keys whose deadline has passed are skipped. Every key stored is
// logged as `WARM.RESTORE key record` (plus PEXPIREAT when a namespace default TTL applied)
// through the same propagation path as a command, so the append-only log replays it.
//
// Thread-safety: all public methods are thread-safe. One load runs at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/container.h"
#include "engine/engine.h"
#include "persist/warm_file.h"

namespace cachet {

enum class WarmApplyResult { kLoaded, kExisting, kExpired, kMalformed };

// Stores one key record (type + payload, as EncodeKeyRecord made them) in db: a key that
// exists is kept (kExisting) unless replace; a passed deadline is skipped (kExpired) except
// while the engine loads persisted data. A key with no deadline gets its namespace's default
// TTL, like any write. REQUIRES: a PropagationScope open for the logged form, when logging.
WarmApplyResult ApplyKeyRecord(Engine& engine, int db, uint8_t type, std::string_view payload,
                               bool replace, const EncodingLimits& limits);

struct WarmLoadOptions {
  bool replace = false;
  size_t batch = 1000;
  int64_t pause_ms = 0;
  EncodingLimits limits;
};

enum class WarmState { kIdle, kRunning, kDone, kFailed, kCancelled };
const char* WarmStateName(WarmState s);

struct WarmProgress {
  WarmState state = WarmState::kIdle;
  std::string file;
  uint64_t total = 0;  // key records in the file (known once it is verified)
  uint64_t loaded = 0;
  uint64_t skipped_existing = 0;
  uint64_t skipped_expired = 0;
  uint64_t failed = 0;
  int64_t elapsed_ms = 0;
  std::string error;
};

class WarmLoader {
 public:
  struct Hooks {
    // Asked before each batch: false (with the reason) stops the load as failed.
    std::function<bool(std::string*)> may_write;
    // After each batch, on the loader thread (write the log out, serve blocked clients).
    std::function<void()> after_batch;
  };

  // log_source: the append-only log loaded keys go to (may hold nullptr).
  WarmLoader(Engine* engine, const std::atomic<CommandLog*>* log_source, Hooks hooks);
  ~WarmLoader();  // cancels a running load and waits for it
  WarmLoader(const WarmLoader&) = delete;
  WarmLoader& operator=(const WarmLoader&) = delete;

  // Starts loading file (opened, header checked) in the background. False when a load is
  // already running.
  bool Start(std::unique_ptr<WarmFileReader> file, const std::string& name,
             const WarmLoadOptions& options);
  // Asks a running load to stop at the end of its current batch. False when none runs.
  bool Cancel();
  // Waits until the current load (if any) has finished.
  void Wait();
  WarmProgress Progress() const;

 private:
  void Run(std::unique_ptr<WarmFileReader> file, WarmLoadOptions options);
  void Finish(WarmState state, const std::string& error);

  Engine* engine_;
  const std::atomic<CommandLog*>* log_source_;
  Hooks hooks_;
  std::thread thread_;
  std::mutex start_mu_;  // Start, Wait and the destructor
  std::atomic<bool> cancel_{false};
  std::atomic<uint64_t> total_{0}, loaded_{0}, existing_{0}, expired_{0}, failed_{0};
  mutable std::mutex mu_;  // the fields below
  WarmState state_ = WarmState::kIdle;
  std::string file_;
  std::string error_;
  int64_t start_us_ = 0;
  int64_t end_us_ = 0;
};

}  // namespace cachet
