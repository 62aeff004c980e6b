// The embeddable cachet engine: cachet's keyspace (TTLs, memory accounting, eviction)
// in-process, for C++ programs that want a cache without a server. The same engine backs
// cachet-server.
//
//   std::string error;
//   auto cache = cachet::EmbeddedCache::Open({.maxmemory = 64 << 20,
//                                             .maxmemory_policy = "allkeys-lru"}, &error);
//   cache->Set("user:1", "{...}", std::chrono::minutes(5));
//   std::optional<std::string> v = cache->Get("user:1");
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cachet {

class Engine;

class EmbeddedCache {
 public:
  struct Options {
    int databases = 16;
    int64_t maxmemory = 0;  // bytes; 0 = no limit
    std::string maxmemory_policy = "noeviction";
  };

  // Returns nullptr and sets *error when the options are invalid.
  static std::unique_ptr<EmbeddedCache> Open(const Options& options, std::string* error);
  ~EmbeddedCache();

  std::optional<std::string> Get(std::string_view key, int db = 0);
  // Stores value (replacing any TTL). Returns false when maxmemory is reached and nothing
  // can be evicted under the policy (Redis's OOM condition).
  bool Set(std::string_view key, std::string_view value,
           std::optional<std::chrono::milliseconds> ttl = std::nullopt, int db = 0);
  bool Delete(std::string_view key, int db = 0);
  // Sets a TTL on an existing key; false when the key does not exist.
  bool Expire(std::string_view key, std::chrono::milliseconds ttl, int db = 0);
  // Remaining TTL in ms, -1 without TTL, -2 when the key does not exist (as PTTL).
  int64_t TtlMs(std::string_view key, int db = 0);
  uint64_t Size(int db = 0);
  // Bytes held by keys, values and indexes.
  int64_t DatasetBytes() const;

 private:
  explicit EmbeddedCache(std::unique_ptr<Engine> engine);
  std::unique_ptr<Engine> engine_;
};

}  // namespace cachet
