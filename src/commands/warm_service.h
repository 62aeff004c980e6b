// WarmService: cache warming for the server (docs/warming.md). It owns the background loader
// (persist/warm_loader.h), resolves warm file paths under the options' rules (relative to dir,
// no "..", unless warm-allow-outside-dir), takes warm files (WARM SAVE, graceful shutdown) and
// loads the configured one at start when the persisted dataset was empty (warm-on-start).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "commands/server_context.h"
#include "persist/warm_loader.h"
#include "persist/warm_save.h"

namespace cachet {

struct WarmSaveInfo {
  uint64_t keys = 0;
  uint64_t bytes = 0;
  int64_t duration_ms = 0;
  int64_t time_s = 0;  // when it was taken (0: never)
  std::string file;
};

class WarmService {
 public:
  // flush_log writes the append-only log out (after each batch of loaded keys); may be empty.
  WarmService(ServerContext* server, std::function<void()> flush_log);

  // WARM LOAD: path "" means the warm-file option. Returns "" or the error reply.
  std::string Load(std::string_view path, const WarmLoadOptions& options);
  // WARM SAVE: path "" means warm-file. Returns "" or the error reply.
  std::string Save(std::string_view path, WarmSaveStats* stats);
  bool Cancel() { return loader_.Cancel(); }
  void Wait() { loader_.Wait(); }
  WarmProgress Progress() const { return loader_.Progress(); }
  WarmSaveInfo LastSave() const;
  // The batch and pause options (warm-batch, warm-pause) with the current encoding limits.
  WarmLoadOptions DefaultOptions() const;

  // Start-up, after persistence loaded: with warm-on-start and warm-file set and an empty
  // dataset, starts loading the warm file if it exists.
  void OnStart();
  // SHUTDOWN's mode (NOSAVE takes no warm file).
  void set_shutdown_mode(ShutdownMode mode) { shutdown_mode_.store(mode); }
  // Graceful shutdown: stops a running load, then takes the warm file when warm-file is set,
  // warm-keys > 0 and the mode is not NOSAVE.
  void OnShutdown();

 private:
  // Applies the path rules; *resolved is the path to open. False with the error reply.
  bool ResolvePath(std::string_view path, std::string* resolved, std::string* error) const;
  bool MayWrite(std::string* error) const;

  ServerContext* server_;
  std::function<void()> flush_log_;
  WarmLoader loader_;
  std::atomic<ShutdownMode> shutdown_mode_{ShutdownMode::kDefault};
  std::mutex save_mu_;     // one save at a time
  mutable std::mutex mu_;  // last_save_
  WarmSaveInfo last_save_;
};

}  // namespace cachet
