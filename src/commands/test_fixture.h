// CommandFixture: runs commands in-process, without sockets, for command tests:
//   fixture.Run({"set", "k", "v"}) returns the raw RESP reply ("+OK\r\n").
// It owns an Engine on a FakeClock, a Config, a registry and one client.
// Thread-safety: single-threaded test helper.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "commands/blocking_registry.h"
#include "commands/client_registry.h"
#include "commands/command.h"
#include "commands/invalidation_log.h"
#include "commands/invalidation_rules.h"
#include "commands/keyspace_notifier.h"
#include "commands/pubsub_registry.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "commands/slowlog.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {

// A CommandLog that keeps each record as its space-joined arguments ("SET k v").
class RecordingLog : public CommandLog {
 public:
  void Append(int db, std::span<const std::string_view> args) override;
  std::vector<std::string> records;
};

class CommandFixture {
 public:
  CommandFixture();
  ~CommandFixture();

  // Runs one command for the fixture's client and returns its raw reply bytes.
  std::string Run(std::vector<std::string> args);
  // Helpers that decode simple replies.
  static std::string Bulk(const std::string& s) {
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  }
  static std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
  static std::string Err(const std::string& s) { return "-" + s + "\r\n"; }
  static constexpr const char* kOk = "+OK\r\n";
  static constexpr const char* kNil = "$-1\r\n";

  FakeClock& clock() { return clock_; }
  Engine& engine() { return *engine_; }
  PubSubRegistry& pubsub() { return pubsub_; }
  BlockingRegistry& blocking() { return *blocking_; }
  Config& config() { return config_; }
  ServerContext& server() { return server_; }
  ClientState& client() { return client_; }
  InvalidationRules& rules() { return rules_; }
  InvalidationLog& invalidations() { return invalidations_; }
  void set_protocol(int p) { protocol_ = p; }

 private:
  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<BlockingRegistry> blocking_;
  Config config_;
  ClientRegistry clients_;
  PubSubRegistry pubsub_;
  KeyspacePublisher keyspace_publisher_{&pubsub_};
  SlowLog slowlog_;
  InvalidationLog invalidations_;
  InvalidationRules rules_;
  CommandRegistry registry_;
  ServerContext server_;
  ClientState client_;
  std::shared_ptr<ClientHandle> handle_;
  int protocol_ = 2;
};

}  // namespace cachet
