// EmbeddedCache: the public in-process API over Engine and KeyAccess.
#include <cachet/cachet.h>

#include "core/string_value.h"
#include "engine/engine.h"
#include "engine/key_access.h"

namespace cachet {

std::unique_ptr<EmbeddedCache> EmbeddedCache::Open(const Options& options, std::string* error) {
  EngineOptions engine_options;
  if (options.databases < 1) {
    *error = "databases must be at least 1";
    return nullptr;
  }
  if (options.maxmemory < 0) {
    *error = "maxmemory must not be negative";
    return nullptr;
  }
  if (!ParseEvictionPolicy(options.maxmemory_policy, &engine_options.policy)) {
    *error = "unknown maxmemory policy '" + options.maxmemory_policy + "'";
    return nullptr;
  }
  engine_options.databases = options.databases;
  engine_options.maxmemory = options.maxmemory;
  engine_options.count_process_memory = false;  // the limit is the cache's own memory
  return std::unique_ptr<EmbeddedCache>(
      new EmbeddedCache(std::make_unique<Engine>(engine_options)));
}

EmbeddedCache::EmbeddedCache(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
EmbeddedCache::~EmbeddedCache() = default;

std::optional<std::string> EmbeddedCache::Get(std::string_view key, int db) {
  if (db < 0 || db >= engine_->databases()) return std::nullopt;
  KeyAccess access(*engine_, key);
  Entry* e = access.FindRead(db, key);
  if (e == nullptr || e->type() != ValueType::kString) return std::nullopt;
  return std::string(StringValue(e));
}

bool EmbeddedCache::Set(std::string_view key, std::string_view value,
                        std::optional<std::chrono::milliseconds> ttl, int db) {
  if (db < 0 || db >= engine_->databases()) return false;
  if (engine_->maxmemory() > 0 && !engine_->EvictIfNeeded()) return false;
  KeyAccess access(*engine_, key);
  int64_t deadline = ttl ? access.now() + ttl->count() : KeyAccess::kNoDeadline;
  access.SetString(db, key, value, ChooseStringEncoding(value), deadline);
  return true;
}

bool EmbeddedCache::Delete(std::string_view key, int db) {
  if (db < 0 || db >= engine_->databases()) return false;
  KeyAccess access(*engine_, key);
  return access.Delete(db, key);
}

bool EmbeddedCache::Expire(std::string_view key, std::chrono::milliseconds ttl, int db) {
  if (db < 0 || db >= engine_->databases()) return false;
  KeyAccess access(*engine_, key);
  Entry* e = access.Find(db, key, false);
  if (e == nullptr) return false;
  if (ttl.count() <= 0) {
    access.DeleteEntry(db, e);
  } else {
    access.SetDeadline(db, e, access.now() + ttl.count());
  }
  return true;
}

int64_t EmbeddedCache::TtlMs(std::string_view key, int db) {
  if (db < 0 || db >= engine_->databases()) return -2;
  KeyAccess access(*engine_, key);
  Entry* e = access.Find(db, key, false);
  if (e == nullptr) return -2;
  int64_t deadline = access.DeadlineOf(db, e);
  if (deadline == KeyAccess::kNoDeadline) return -1;
  return std::max<int64_t>(0, deadline - access.now());
}

uint64_t EmbeddedCache::Size(int db) {
  return db < 0 || db >= engine_->databases() ? 0 : engine_->DbSize(db);
}

int64_t EmbeddedCache::DatasetBytes() const { return engine_->DatasetBytes(); }

}  // namespace cachet
