// Cache warming: paths, saves, start-up load and shutdown.
#include "commands/warm_service.h"

#include <sys/stat.h>

#include <ctime>

#include "base/logging.h"
#include "commands/blocking.h"
#include "commands/errors.h"
#include "config/config.h"
#include "engine/engine.h"

namespace cachet {

WarmService::WarmService(ServerContext* server, std::function<void()> flush_log)
    : server_(server),
      flush_log_(std::move(flush_log)),
      loader_(server->engine, &server->command_log,
              {[this](std::string* error) { return MayWrite(error); },
               [this] {
                 if (flush_log_) flush_log_();
                 ServeBlockedClients(*server_);
               }}) {}

bool WarmService::MayWrite(std::string* error) const {
  if (server_->persistence != nullptr && server_->persistence->WritesRefused(error)) return false;
  Engine& engine = *server_->engine;
  if (engine.maxmemory() > 0 && !engine.EvictIfNeeded()) {
    *error = errors::kOutOfMemory;
    return false;
  }
  return true;
}

bool WarmService::ResolvePath(std::string_view path, std::string* resolved,
                              std::string* error) const {
  std::string p = path.empty() ? server_->config->GetString("warm-file") : std::string(path);
  if (p.empty()) {
    *error = errors::kWarmNoDefaultFile;
    return false;
  }
  bool contained = p.find('\0') == std::string::npos && p[0] != '/';
  for (size_t start = 0; contained && start <= p.size();) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    if (p.compare(start, end - start, "..") == 0) contained = false;
    start = end + 1;
  }
  if (!contained && !server_->config->GetBool("warm-allow-outside-dir")) {
    *error = errors::kWarmPathRefused;
    return false;
  }
  *resolved = std::move(p);
  return true;
}

WarmLoadOptions WarmService::DefaultOptions() const {
  WarmLoadOptions options;
  options.batch = static_cast<size_t>(server_->config->GetInt("warm-batch"));
  options.pause_ms = server_->config->GetInt("warm-pause");
  options.limits = server_->encoding_limits.Load();
  return options;
}

std::string WarmService::Load(std::string_view path, const WarmLoadOptions& options) {
  std::string resolved, error;
  if (!ResolvePath(path, &resolved, &error)) return error;
  auto file = std::make_unique<WarmFileReader>();
  switch (file->Open(resolved, &error)) {
    case WarmFileReader::OpenResult::kCannotOpen:
      return errors::kWarmCannotOpen + error;
    case WarmFileReader::OpenResult::kNotWarmFile:
      return errors::kWarmNotWarmFile + error;
    case WarmFileReader::OpenResult::kOk:
      break;
  }
  if (!loader_.Start(std::move(file), resolved, options)) return errors::kWarmRunning;
  LOG_NOTICE("Warm load of '%s' started", resolved.c_str());
  return "";
}

std::string WarmService::Save(std::string_view path, WarmSaveStats* stats) {
  std::string resolved, error;
  if (!ResolvePath(path, &resolved, &error)) return error;
  std::string_view name = resolved;
  while (name.substr(0, 2) == "./") name.remove_prefix(2);
  if (name == server_->config->GetString("dbfilename")) return errors::kWarmIsSnapshot;
  size_t keys = static_cast<size_t>(server_->config->GetInt("warm-keys"));
  std::lock_guard<std::mutex> save_lock(save_mu_);
  if (!SaveWarmFile(*server_->engine, resolved, keys, stats, &error)) {
    return errors::kWarmSaveFailed + error;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_save_ = {stats->keys, stats->bytes, stats->duration_us / 1000, time(nullptr), resolved};
  }
  LOG_NOTICE("Warm file '%s' written: %llu keys, %llu bytes in %lld ms", resolved.c_str(),
             static_cast<unsigned long long>(stats->keys),
             static_cast<unsigned long long>(stats->bytes),
             static_cast<long long>(stats->duration_us / 1000));
  return "";
}

WarmSaveInfo WarmService::LastSave() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_save_;
}

void WarmService::OnStart() {
  Config& config = *server_->config;
  std::string file = config.GetString("warm-file");
  if (file.empty() || !config.GetBool("warm-on-start")) return;
  Engine& engine = *server_->engine;
  for (int db = 0; db < engine.databases(); ++db) {
    if (engine.DbSize(db) > 0) {
      LOG_NOTICE("Warm file '%s' not loaded: the dataset loaded from persistence is not empty",
                 file.c_str());
      return;
    }
  }
  struct stat st;
  if (stat(file.c_str(), &st) != 0) {
    LOG_NOTICE("No warm file '%s' to load at start", file.c_str());
    return;
  }
  std::string error = Load("", DefaultOptions());
  if (!error.empty()) LOG_WARNING("Warm file not loaded at start: %s", error.c_str());
}

void WarmService::OnShutdown() {
  loader_.Cancel();
  loader_.Wait();
  Config& config = *server_->config;
  if (config.GetString("warm-file").empty() || config.GetInt("warm-keys") == 0) return;
  if (shutdown_mode_.load() == ShutdownMode::kNoSave) return;
  WarmSaveStats stats;
  std::string error = Save("", &stats);
  if (!error.empty()) LOG_WARNING("No warm file written at shutdown: %s", error.c_str());
}

}  // namespace cachet
