// Background, batched loading of warm files.
#include "persist/warm_loader.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "base/clock.h"
#include "base/logging.h"
#include "core/container_factory.h"
#include "engine/key_access.h"
#include "engine/propagation.h"
#include "persist/snapshot_records.h"

namespace cachet {

WarmApplyResult ApplyKeyRecord(Engine& engine, int db, uint8_t type, std::string_view payload,
                               bool replace, const EncodingLimits& limits) {
  KeyRecord rec;
  if (!DecodeKeyRecord(type, payload, &rec)) return WarmApplyResult::kMalformed;
  std::unique_ptr<Container> c;  // built before taking the lock
  if (rec.type != ValueType::kString) {
    c = DeserializeContainer(rec.type, rec.value, limits);
    if (c == nullptr) return WarmApplyResult::kMalformed;
  }
  KeyAccess access(engine, rec.key);
  if (rec.deadline >= 0 && rec.deadline < access.now() && !engine.loading()) {
    return WarmApplyResult::kExpired;
  }
  bool exists = access.Find(db, rec.key, /*touch=*/false) != nullptr;
  if (exists && !replace) return WarmApplyResult::kExisting;
  int64_t deadline = rec.deadline >= 0 ? rec.deadline : KeyAccess::kNoDeadline;
  if (c == nullptr) {
    access.SetString(db, rec.key, rec.value, ChooseStringEncoding(rec.value), deadline);
  } else {
    if (exists) access.Delete(db, rec.key);
    access.CreateContainer(db, rec.key, std::move(c), deadline);
  }
  return WarmApplyResult::kLoaded;
}

const char* WarmStateName(WarmState s) {
  switch (s) {
    case WarmState::kIdle:
      return "idle";
    case WarmState::kRunning:
      return "running";
    case WarmState::kDone:
      return "done";
    case WarmState::kFailed:
      return "failed";
    case WarmState::kCancelled:
      return "cancelled";
  }
  return "idle";
}

WarmLoader::WarmLoader(Engine* engine, const std::atomic<CommandLog*>* log_source, Hooks hooks)
    : engine_(engine), log_source_(log_source), hooks_(std::move(hooks)) {}

WarmLoader::~WarmLoader() {
  cancel_.store(true);
  Wait();
}

bool WarmLoader::Start(std::unique_ptr<WarmFileReader> file, const std::string& name,
                       const WarmLoadOptions& options) {
  std::lock_guard<std::mutex> start_lock(start_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == WarmState::kRunning) return false;
    state_ = WarmState::kRunning;
    file_ = name;
    error_.clear();
    start_us_ = MonotonicUs();
    // A previous load has finished (it set its state last): nothing else touches these.
    cancel_.store(false);
    for (auto* c : {&total_, &loaded_, &existing_, &expired_, &failed_}) c->store(0);
  }
  if (thread_.joinable()) thread_.join();
  thread_ =
      std::thread([this, f = std::move(file), options]() mutable { Run(std::move(f), options); });
  return true;
}

bool WarmLoader::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != WarmState::kRunning) return false;
  cancel_.store(true);
  return true;
}

void WarmLoader::Wait() {
  std::lock_guard<std::mutex> start_lock(start_mu_);
  if (thread_.joinable()) thread_.join();
}

WarmProgress WarmLoader::Progress() const {
  WarmProgress p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    p.state = state_;
    p.file = file_;
    p.error = error_;
    if (state_ != WarmState::kIdle) {
      p.elapsed_ms = ((state_ == WarmState::kRunning ? MonotonicUs() : end_us_) - start_us_) / 1000;
    }
  }
  p.total = total_.load();
  p.loaded = loaded_.load();
  p.skipped_existing = existing_.load();
  p.skipped_expired = expired_.load();
  p.failed = failed_.load();
  return p;
}

void WarmLoader::Finish(WarmState state, const std::string& error) {
  if (hooks_.after_batch) hooks_.after_batch();
  std::lock_guard<std::mutex> lock(mu_);
  state_ = state;
  error_ = error;
  end_us_ = MonotonicUs();
  LOG_NOTICE("Warm load of '%s' %s: %llu loaded, %llu existing, %llu expired, %llu failed%s%s",
             file_.c_str(), WarmStateName(state), static_cast<unsigned long long>(loaded_.load()),
             static_cast<unsigned long long>(existing_.load()),
             static_cast<unsigned long long>(expired_.load()),
             static_cast<unsigned long long>(failed_.load()), error.empty() ? "" : ": ",
             error.c_str());
}

void WarmLoader::Run(std::unique_ptr<WarmFileReader> file, WarmLoadOptions options) {
  // A lower CPU priority for this thread only (Linux nice is per thread): when the cores are
  // busy, the event loops serving clients go first and the load takes the idle time.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  uint64_t total = 0;
  std::string error;
  if (!file->Verify(engine_->databases(), &total, &error)) {
    Finish(WarmState::kFailed, error);
    return;
  }
  total_.store(total);
  std::string record;
  int db = 0;
  uint8_t type = 0;
  std::string_view payload;
  size_t in_batch = 0;
  while (true) {
    if (in_batch == 0) {
      if (cancel_.load()) {
        Finish(WarmState::kCancelled, "");
        return;
      }
      if (hooks_.may_write && !hooks_.may_write(&error)) {
        Finish(WarmState::kFailed, error);
        return;
      }
    }
    if (!file->Next(&db, &type, &payload)) break;
    KeyRecord rec;
    DecodeKeyRecord(type, payload, &rec);  // Verify checked it
    record.assign(1, static_cast<char>(type));
    record.append(payload);
    std::string_view args[] = {"WARM.RESTORE", rec.key, record};
    WarmApplyResult result;
    {
      PropagationScope scope(log_source_, db, args);
      result = ApplyKeyRecord(*engine_, db, type, payload, options.replace, options.limits);
    }
    switch (result) {
      case WarmApplyResult::kLoaded:
        loaded_.fetch_add(1);
        break;
      case WarmApplyResult::kExisting:
        existing_.fetch_add(1);
        break;
      case WarmApplyResult::kExpired:
        expired_.fetch_add(1);
        break;
      case WarmApplyResult::kMalformed:
        failed_.fetch_add(1);
        break;
    }
    if (++in_batch < options.batch) continue;
    in_batch = 0;
    if (hooks_.after_batch) hooks_.after_batch();
    for (int64_t slept = 0; slept < options.pause_ms && !cancel_.load(); slept += 10) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(10, options.pause_ms - slept)));
    }
  }
  Finish(WarmState::kDone, "");
}

}  // namespace cachet
