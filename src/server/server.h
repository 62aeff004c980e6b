// Server: wires the layers into a running cachet-server — the engine from the config, one
// event loop per thread, the listener, client connections, the periodic jobs (active expiry,
// client timeouts, memory sampling) and clean shutdown.
//
// Thread-safety: Start/Wait/Stop from the main thread; RequestShutdown from any thread.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "admin/admin_api.h"
#include "admin/alerts.h"
#include "commands/blocking_registry.h"
#include "commands/client_registry.h"
#include "commands/invalidation_log.h"
#include "commands/invalidation_rules.h"
#include "commands/invalidation_worker.h"
#include "commands/keyspace_notifier.h"
#include "commands/pubsub_registry.h"
#include "commands/registry.h"
#include "commands/server_context.h"
#include "commands/slowlog.h"
#include "commands/warm_service.h"
#include "config/config.h"
#include "engine/engine.h"
#include "http/http_server.h"
#include "net/event_loop.h"
#include "net/listener.h"
#include "server/client_connection.h"
#include "server/persistence.h"

namespace cachet {

class Server {
 public:
  explicit Server(Config* config);
  ~Server();

  // Loads persisted data, binds the port and starts the loops. Returns false with *error.
  bool Start(std::string* error);
  // Blocks until SIGTERM/SIGINT or SHUTDOWN, then stops everything.
  void WaitForShutdown();
  int port() const { return context_.tcp_port; }
  ServerContext& context() { return context_; }

 private:
  struct LoopState {
    std::unique_ptr<EventLoop> loop;
    std::unordered_map<uint64_t, std::shared_ptr<ClientConnection>> clients;
    std::thread thread;
  };

  void Accept(int fd);
  void RaiseFileLimit();
  void AddClient(LoopState& state, int fd);
  void Cron(int loop_index);
  void SampleOps();
  void ApplyLimits();
  void WatchConfig();
  void Stop();
  // Defines the config file's [[namespace]] entries.
  bool DefineNamespaces(std::string* error);
  bool DefineRules(std::string* error);
  // Starts the HTTP admin API unless http-port is 0.
  bool StartHttp(std::string* error);

  Config* config_;
  // Before the engine: the engine's keyspace events point at the publisher.
  PubSubRegistry pubsub_;
  KeyspacePublisher keyspace_publisher_{&pubsub_};
  std::unique_ptr<Engine> engine_;
  InvalidationLog invalidations_;
  InvalidationRules rules_;
  std::unique_ptr<BlockingRegistry> blocking_;  // after the engine: uses its ReadyKeys
  ClientRegistry clients_;
  SlowLog slowlog_;
  CommandRegistry commands_;
  ServerContext context_;
  ClientLimits limits_;
  std::vector<LoopState> loops_;
  std::unique_ptr<Listener> listener_;
  size_t next_loop_ = 0;
  int64_t last_ops_sample_ms_ = 0;
  uint64_t last_ops_count_ = 0;
  std::vector<int64_t> ops_samples_;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<WarmService> warm_;  // after persistence: its loader logs through it
  // After persistence and the loops: a running job flushes the log and posts to a loop.
  std::unique_ptr<InvalidationWorker> invalidation_worker_;
  std::unique_ptr<AlertMonitor> alerts_;
  std::unique_ptr<AdminApi> admin_;
  std::unique_ptr<HttpServer> http_;
  std::atomic<bool> shutdown_requested_by_user_{false};
};

}  // namespace cachet
