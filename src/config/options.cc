// The option table: every option cachet understands, its type, default and limits.
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "config/config.h"
#include "core/keyspace_flags.h"

namespace cachet {
namespace {

OptionSpec Int(std::string name, std::string def, int64_t min, int64_t max, bool mut = true) {
  OptionSpec s{std::move(name), OptionType::kInt, std::move(def), mut, min, max, {}, {}, false, {}};
  return s;
}
OptionSpec Memory(std::string name, std::string def, bool mut = true) {
  return OptionSpec{
      std::move(name), OptionType::kMemory, std::move(def), mut, 0, INT64_MAX, {}, {}, false, {}};
}
OptionSpec String(std::string name, std::string def, bool mut = true) {
  return OptionSpec{
      std::move(name), OptionType::kString, std::move(def), mut, 0, 0, {}, {}, false, {}};
}
OptionSpec Enum(std::string name, std::string def, std::vector<std::string> choices,
                bool mut = true) {
  return OptionSpec{std::move(name),
                    OptionType::kEnum,
                    std::move(def),
                    mut,
                    0,
                    0,
                    std::move(choices),
                    {},
                    false,
                    {}};
}

std::string ValidateSaveRules(const std::string& v) {
  std::vector<std::pair<int64_t, int64_t>> rules;
  return ParseSaveRules(v, &rules) ? "" : "argument must be pairs of <seconds> <changes>";
}

// One to four non-negative numbers (low, medium, high, critical), or nothing (rule off).
std::string ValidateAlertThresholds(const std::string& v) {
  std::istringstream in(v);
  int n = 0;
  for (std::string w; in >> w; ++n) {
    char* end = nullptr;
    double d = std::strtod(w.c_str(), &end);
    if (end == w.c_str() || *end != '\0' || !(d >= 0) || d > 1e18) {
      return "argument must be up to four non-negative numbers (low medium high critical)";
    }
  }
  return n <= 4 ? ""
                : "argument must be up to four non-negative numbers (low medium high critical)";
}

}  // namespace

bool ParseSaveRules(const std::string& text, std::vector<std::pair<int64_t, int64_t>>* rules) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.size() % 2 != 0) return false;
  rules->clear();
  for (size_t i = 0; i < words.size(); i += 2) {
    int64_t seconds = 0, changes = 0;
    if (!ParseInt64(words[i], &seconds) || !ParseInt64(words[i + 1], &changes) || seconds < 1 ||
        changes < 0) {
      return false;
    }
    rules->emplace_back(seconds, changes);
  }
  return true;
}

bool ParseOutputBufferLimits(const std::string& text, OutputBufferLimits* limits) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words.size() % 4 != 0) return false;
  OutputBufferLimits parsed;
  for (size_t i = 0; i < words.size(); i += 4) {
    int64_t hard = 0, soft = 0, seconds = 0;
    if (!ParseMemorySize(words[i + 1], &hard) || !ParseMemorySize(words[i + 2], &soft) ||
        !ParseInt64(words[i + 3], &seconds) || hard < 0 || soft < 0 || seconds < 0) {
      return false;
    }
    if (words[i] == "normal") {
      parsed.normal = OutputBufferLimit{hard, soft, seconds};
    } else if (words[i] == "pubsub") {
      parsed.pubsub = OutputBufferLimit{hard, soft, seconds};
    } else if (words[i] != "replica" && words[i] != "slave") {
      return false;
    }
  }
  *limits = parsed;
  return true;
}

bool ParseOutputBufferLimit(const std::string& text, OutputBufferLimit* limit) {
  OutputBufferLimits limits;
  if (!ParseOutputBufferLimits(text, &limits) || !limits.normal) return false;
  *limit = *limits.normal;
  return true;
}

std::vector<OptionSpec> BuiltinOptions() {
  std::vector<OptionSpec> o;
  o.push_back(Int("port", "6379", 0, 65535, false));
  o.push_back(String("bind", "127.0.0.1", false));
  o.push_back(Int("threads", "0", 0, 256, false));  // 0: one per core
  o.push_back(Int("databases", "16", 1, 1024, false));
  o.push_back(Int("tcp-backlog", "511", 1, 65535, false));
  o.push_back(Memory("maxmemory", "0"));
  o.push_back(Enum("maxmemory-policy", "noeviction",
                   {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru",
                    "volatile-lfu", "volatile-random", "volatile-ttl"}));
  o.push_back(Int("maxmemory-samples", "5", 1, 64));
  o.push_back(Int("lfu-log-factor", "10", 0, INT32_MAX));
  o.push_back(Int("lfu-decay-time", "1", 0, INT32_MAX));
  OptionSpec pass = String("requirepass", "");
  pass.sensitive = true;
  o.push_back(pass);
  o.push_back(Int("maxclients", "10000", 1, 1'000'000));
  o.push_back(Int("timeout", "0", 0, INT32_MAX));
  OptionSpec bulk = Memory("proto-max-bulk-len", "536870912");
  bulk.min = 1024 * 1024;
  bulk.max = 4294967295;  // string lengths are 32-bit
  o.push_back(bulk);
  OptionSpec query = Memory("client-query-buffer-limit", "1073741824");
  query.min = 1024 * 1024;
  o.push_back(query);
  OptionSpec obuf = String("client-output-buffer-limit",
                           "normal 268435456 67108864 60 pubsub 33554432 8388608 60");
  obuf.validate = [](const std::string& v) {
    OutputBufferLimits limits;
    return ParseOutputBufferLimits(v, &limits)
               ? std::string()
               : std::string("argument must be '<class> <hard> <soft> <seconds>' ...");
  };
  o.push_back(obuf);
  OptionSpec notify = String("notify-keyspace-events", "");
  notify.validate = [](const std::string& v) {
    uint32_t flags;
    return ParseKeyspaceEventFlags(v, &flags)
               ? std::string()
               : std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  };
  notify.canonical = [](const std::string& v) {
    uint32_t flags = 0;
    ParseKeyspaceEventFlags(v, &flags);
    return KeyspaceEventFlagsToString(flags);
  };
  o.push_back(notify);
  o.push_back(String("dir", ".", false));
  o.push_back(String("logfile", "", false));
  o.push_back(Enum("loglevel", "notice", {"debug", "verbose", "notice", "warning"}));
  o.push_back(Int("slowlog-log-slower-than", "10000", -1, INT64_MAX));
  o.push_back(Int("slowlog-max-len", "128", 0, INT32_MAX));
  o.push_back(Int("hz", "10", 1, 500, false));
  OptionSpec save = String("save", "3600 1 300 100 60 10000");
  save.validate = ValidateSaveRules;
  o.push_back(save);
  o.push_back(String("dbfilename", "dump.cachet", false));
  // Which keys the key order index holds: namespaced ones, all (yes), or none.
  o.push_back(Enum("prefix-index", "namespaces", {"namespaces", "all", "yes", "no"}, false));
  o.push_back(Enum("appendonly", "no", {"yes", "no"}));
  o.push_back(Enum("appendfsync", "everysec", {"always", "everysec", "no"}));
  o.push_back(String("appenddirname", "appendonlydir", false));
  o.push_back(Enum("aof-load-truncated", "yes", {"yes", "no"}));
  o.push_back(Enum("aof-load-corrupt", "no", {"yes", "no"}));
  o.push_back(Int("auto-aof-rewrite-percentage", "100", 0, INT32_MAX));
  o.push_back(Memory("auto-aof-rewrite-min-size", "67108864"));
  // Encoding thresholds, with Redis 7.0's defaults and ranges (entries are plain integers,
  // lengths are memory values).
  o.push_back(Int("hash-max-listpack-entries", "512", 0, INT64_MAX));
  o.push_back(Memory("hash-max-listpack-value", "64"));
  o.push_back(Int("set-max-intset-entries", "512", 0, INT64_MAX));
  o.push_back(Int("zset-max-listpack-entries", "128", 0, INT64_MAX));
  o.push_back(Memory("zset-max-listpack-value", "64"));
  // HTTP admin API and alerts (docs/http.md).
  o.push_back(Int("http-port", "8379", 0, 65535, false));
  o.push_back(String("http-bind", "127.0.0.1", false));
  OptionSpec token = String("http-token", "");
  token.sensitive = true;
  o.push_back(token);
  OptionSpec http_body = Memory("http-max-body", "1048576", false);
  http_body.min = 1024;
  o.push_back(http_body);
  OptionSpec http_header = Memory("http-max-header", "16384", false);
  http_header.min = 1024;
  http_header.max = 1024 * 1024;
  o.push_back(http_header);
  o.push_back(Int("http-timeout", "10", 1, 3600, false));
  o.push_back(Int("http-max-connections", "256", 1, 100000, false));
  for (auto [name, def] : {std::pair{"alert-hit-rate-below", "0.8 0.6 0.4 0.2"},
                           {"alert-p99-above-us", "10000 50000 100000 500000"},
                           {"alert-memory-above", "0.8 0.9 0.95 0.99"},
                           {"alert-evictions-above", ""},
                           {"alert-connections-above", ""}}) {
    OptionSpec alert = String(name, def);
    alert.validate = ValidateAlertThresholds;
    o.push_back(alert);
  }
  o.push_back(Int("alert-history-size", "100", 1, 100000));
  o.push_back(Int("alert-window", "60", 1, 3600));
  // CACHE.FETCH leases (docs/leases.md): how long a lease lasts when LEASE is not given, in ms.
  o.push_back(Int("lease-timeout", "5000", 1, int64_t{24} * 3600 * 1000));
  // Sessions (docs/sessions.md); in TOML also [sessions] idle-timeout = ... (no prefix).
  o.push_back(Int("session-idle-timeout", "1800", 1, int64_t{100} * 365 * 24 * 3600));
  o.push_back(Int("session-max-lifetime", "86400", 0, int64_t{100} * 365 * 24 * 3600));
  o.push_back(Int("session-max-per-user", "0", 0, INT32_MAX));
  o.push_back(Enum("session-limit-policy", "evict-least-active", {"evict-least-active", "refuse"}));
  o.push_back(Enum("session-bind", "none", {"none", "ip", "ua", "both"}));
  OptionSpec data_size = Memory("session-max-data-size", "1048576");
  data_size.min = 2;  // "{}"
  data_size.max = 536870912;
  o.push_back(data_size);
  // Warming (docs/warming.md). Paths are relative to dir.
  o.push_back(String("warm-file", ""));
  o.push_back(Int("warm-keys", "10000", 0, 100'000'000));
  o.push_back(Enum("warm-on-start", "yes", {"yes", "no"}));
  o.push_back(Int("warm-batch", "1000", 1, 1'000'000));
  o.push_back(Int("warm-pause", "0", 0, 60000));
  o.push_back(Enum("warm-allow-outside-dir", "no", {"yes", "no"}, false));
  return o;
}

std::vector<std::pair<std::string, std::string>> BuiltinAliases() {
  return {{"hash-max-ziplist-entries", "hash-max-listpack-entries"},
          {"hash-max-ziplist-value", "hash-max-listpack-value"},
          {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
          {"zset-max-ziplist-value", "zset-max-listpack-value"}};
}

}  // namespace cachet
