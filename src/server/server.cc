// Server wiring, accept path, periodic jobs and shutdown.
#include "server/server.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "base/clock.h"
#include "base/logging.h"
#include "commands/command_stats.h"
#include "commands/dispatcher.h"
#include "commands/encoding_config.h"
#include "commands/errors.h"
#include "commands/namespace_config.h"
#include "commands/session_config.h"
#include "net/socket_util.h"

namespace cachet {
namespace {

std::string RandomRunId() {
  std::random_device rd;
  const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 40; ++i) id.push_back(hex[rd() % 16]);
  return id;
}

pthread_t g_main_thread;

void ApplyNotifyFlags(Engine* engine, const std::string& value) {
  uint32_t flags = 0;
  if (ParseKeyspaceEventFlags(value, &flags)) engine->events().set_flags(flags);
}

}  // namespace

Server::Server(Config* config) : config_(config) {
  EngineOptions options;
  options.databases = static_cast<int>(config->GetInt("databases"));
  options.maxmemory = config->GetInt("maxmemory");
  ParseEvictionPolicy(config->GetString("maxmemory-policy"), &options.policy);
  options.maxmemory_samples = static_cast<int>(config->GetInt("maxmemory-samples"));
  options.lfu.log_factor = static_cast<int>(config->GetInt("lfu-log-factor"));
  options.lfu.decay_minutes = static_cast<int>(config->GetInt("lfu-decay-time"));
  // Before any slice exists: every key of every slice is in the key order index, or none is.
  std::string index_mode = config->GetString("prefix-index");
  KeyOrderIndex::set_mode(index_mode == "no"           ? KeyOrderIndex::Mode::kNone
                          : index_mode == "namespaces" ? KeyOrderIndex::Mode::kNamespaces
                                                       : KeyOrderIndex::Mode::kAll);
  engine_ = std::make_unique<Engine>(options);
  engine_->events().set_notifier(&keyspace_publisher_);
  ApplyNotifyFlags(engine_.get(), config->GetString("notify-keyspace-events"));

  context_.engine = engine_.get();
  context_.config = config_;
  context_.clients = &clients_;
  context_.slowlog = &slowlog_;
  context_.commands = &commands_;
  context_.pubsub = &pubsub_;
  blocking_ = std::make_unique<BlockingRegistry>(&engine_->ready_keys());
  context_.blocking = blocking_.get();
  context_.invalidations = &invalidations_;
  context_.rules = &rules_;
  context_.run_id = RandomRunId();
  context_.start_time_ms = SystemClock::Get()->NowMs();
  context_.requirepass_set.store(!config->GetString("requirepass").empty());
  context_.request_shutdown = [this](ShutdownMode mode) {
    if (warm_) warm_->set_shutdown_mode(mode);
    shutdown_requested_by_user_.store(true);
    pthread_kill(g_main_thread, SIGTERM);
  };
  int threads = static_cast<int>(config->GetInt("threads"));
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  context_.threads = threads;
  ApplyLimits();
  BindEncodingLimits(config_, &context_.encoding_limits);
  BindSessionOptions(config_, &engine_->sessions());
  alerts_ = std::make_unique<AlertMonitor>(&context_, config_);
  context_.alerts_info = [this] { return alerts_->InfoFields(); };
  WatchConfig();
}

Server::~Server() = default;

void Server::ApplyLimits() {
  limits_.max_bulk_len.store(config_->GetInt("proto-max-bulk-len"));
  limits_.max_query_buffer.store(config_->GetInt("client-query-buffer-limit"));
  limits_.idle_timeout_s.store(config_->GetInt("timeout"));
  OutputBufferLimits out;
  if (ParseOutputBufferLimits(config_->GetString("client-output-buffer-limit"), &out)) {
    if (out.normal) {
      limits_.output_hard.store(out.normal->hard);
      limits_.output_soft.store(out.normal->soft);
      limits_.output_soft_seconds.store(out.normal->soft_seconds);
    }
    if (out.pubsub) {
      limits_.pubsub_hard.store(out.pubsub->hard);
      limits_.pubsub_soft.store(out.pubsub->soft);
      limits_.pubsub_soft_seconds.store(out.pubsub->soft_seconds);
    }
  }
  context_.slowlog_threshold_us.store(config_->GetInt("slowlog-log-slower-than"));
  context_.slowlog_max_len.store(config_->GetInt("slowlog-max-len"));
}

void Server::WatchConfig() {
  Engine* engine = engine_.get();
  Config* config = config_;
  config_->OnChange("maxmemory", [engine, config](const std::string&) {
    engine->set_maxmemory(config->GetInt("maxmemory"));
  });
  config_->OnChange("maxmemory-policy", [engine](const std::string& v) {
    EvictionPolicy p;
    if (ParseEvictionPolicy(v, &p)) engine->set_policy(p);
  });
  config_->OnChange("maxmemory-samples", [engine, config](const std::string&) {
    engine->set_maxmemory_samples(static_cast<int>(config->GetInt("maxmemory-samples")));
  });
  config_->OnChange("lfu-log-factor", [engine, config](const std::string&) {
    engine->set_lfu_log_factor(static_cast<int>(config->GetInt("lfu-log-factor")));
  });
  config_->OnChange("lfu-decay-time", [engine, config](const std::string&) {
    engine->set_lfu_decay_time(static_cast<int>(config->GetInt("lfu-decay-time")));
  });
  config_->OnChange("requirepass",
                    [this](const std::string& v) { context_.requirepass_set.store(!v.empty()); });
  config_->OnChange("notify-keyspace-events",
                    [engine](const std::string& v) { ApplyNotifyFlags(engine, v); });
  config_->OnChange("loglevel", [](const std::string& v) {
    LogLevel level;
    if (ParseLogLevel(v, &level)) SetLogLevel(level);
  });
  for (const char* name :
       {"proto-max-bulk-len", "client-query-buffer-limit", "timeout", "client-output-buffer-limit",
        "slowlog-log-slower-than", "slowlog-max-len"}) {
    config_->OnChange(name, [this](const std::string&) { ApplyLimits(); });
  }
}

bool Server::Start(std::string* error) {
  g_main_thread = pthread_self();
  // Like redis-server, work inside dir: snapshot and log paths are relative to it.
  std::string dir = config_->GetString("dir");
  if (chdir(dir.c_str()) != 0) {
    *error = "cannot use dir '" + dir + "': " + strerror(errno);
    return false;
  }
  persistence_ = std::make_unique<Persistence>(engine_.get(), config_, &context_);
  context_.persistence = persistence_.get();
  warm_ = std::make_unique<WarmService>(&context_, [this] { persistence_->WriteOut(); });
  context_.flush_log = [this] { persistence_->WriteOut(); };
  invalidation_worker_ = std::make_unique<InvalidationWorker>();
  context_.invalidation_worker = invalidation_worker_.get();
  context_.warm = warm_.get();
  config_->OnChange("appendonly", [this](const std::string& v) {
    persistence_->OnAppendOnlyChanged(v == "yes");
  });
  config_->OnChange("appendfsync",
                    [this](const std::string& v) { persistence_->OnFsyncChanged(v); });
  ClientState loader;
  loader.authenticated = true;
  loader.replaying = true;
  ClientInfo loader_info;
  loader.info = &loader_info;
  std::string discard;
  ReplyBuilder sink(&discard);
  auto replay = [&](int db, ArgList args) {
    loader.db = db;
    Dispatch(context_, loader, sink, args);
    discard.clear();
  };
  // HTTP first, so that /health/live answers and /health/ready says "loading" while a large
  // dataset loads (data routes answer 503 until it is done).
  if (!DefineNamespaces(error)) return false;
  if (!DefineRules(error)) return false;
  if (!StartHttp(error)) return false;
  if (!persistence_->Load(replay, error)) return false;
  warm_->OnStart();
  std::string bind = config_->GetString("bind");
  int port = static_cast<int>(config_->GetInt("port"));
  // "bind" may list several addresses; the first one is used.
  std::string host = bind.substr(0, bind.find(' '));
  RaiseFileLimit();
  int fd = ListenTcp(host, port, static_cast<int>(config_->GetInt("tcp-backlog")), error);
  if (fd < 0) return false;
  persistence_->set_listen_fd(fd);
  context_.tcp_port = BoundPort(fd);

  loops_.resize(context_.threads);
  for (int i = 0; i < context_.threads; ++i) {
    loops_[i].loop = std::make_unique<EventLoop>(i);
    // Active expiry every 10 ms, with at most a quarter of the time spent on it.
    loops_[i].loop->AddPeriodic(10,
                                [this, i] { engine_->ActiveExpire(i, context_.threads, 2500); });
    int64_t cron_ms = std::max<int64_t>(1, 1000 / config_->GetInt("hz"));
    loops_[i].loop->AddPeriodic(cron_ms, [this, i] { Cron(i); });
  }
  listener_ =
      std::make_unique<Listener>(loops_[0].loop.get(), fd, [this](int cfd) { Accept(cfd); });
  listener_->Start();
  loops_[0].loop->AddPeriodic(100, [this] { listener_->ResumeIfPaused(); });
  for (auto& state : loops_) {
    EventLoop* loop = state.loop.get();
    state.thread = std::thread([loop] { loop->Run(); });
  }
  LOG_NOTICE("cachet 0.1.0 (Redis 7.0 protocol) pid=%d, %d thread(s), %d databases",
             static_cast<int>(getpid()), context_.threads, engine_->databases());
  if (engine_->maxmemory() > 0) {
    LOG_NOTICE("maxmemory %lld bytes, policy %s", static_cast<long long>(engine_->maxmemory()),
               EvictionPolicyName(engine_->policy()));
  }
  LOG_NOTICE("Ready to accept connections tcp on %s:%d", host.c_str(), context_.tcp_port);
  return true;
}

bool Server::DefineRules(std::string* error) {
  int n = 0;
  for (const Config::ConfigTable& fields : config_->rule_tables()) {
    ++n;
    std::string problem;
    if (!rules_.Add(fields, &problem)) {
      *error = "configuration error: [[rule]] number " + std::to_string(n) + ": " + problem;
      return false;
    }
  }
  return true;
}

bool Server::DefineNamespaces(std::string* error) {
  int n = 0;
  for (const auto& fields : config_->namespace_tables()) {
    ++n;
    NamespaceSpec spec;
    std::string problem;
    if (!NamespaceSpecFromFields(fields, &spec, &problem) ||
        !engine_->namespaces().Set(spec, &problem)) {
      *error = "configuration error: [[namespace]] number " + std::to_string(n) + ": " +
               (problem.rfind("ERR ", 0) == 0 ? problem.substr(4) : problem);
      return false;
    }
  }
  return true;
}

bool Server::StartHttp(std::string* error) {
  int port = static_cast<int>(config_->GetInt("http-port"));
  if (port == 0) return true;
  HttpServerOptions options;
  options.host = config_->GetString("http-bind");
  options.port = port;
  options.limits.max_body = static_cast<size_t>(config_->GetInt("http-max-body"));
  options.limits.max_header = static_cast<size_t>(config_->GetInt("http-max-header"));
  options.timeout_ms = config_->GetInt("http-timeout") * 1000;
  options.max_connections = static_cast<size_t>(config_->GetInt("http-max-connections"));
  admin_ = std::make_unique<AdminApi>(&context_, alerts_.get());
  AdminApi* admin = admin_.get();
  AlertMonitor* alerts = alerts_.get();
  http_ = std::make_unique<HttpServer>(
      options, [admin](const HttpRequest& r) { return admin->Handle(r); },
      [](int status, const std::string& message) { return ErrorResponse(status, message); },
      [alerts] { alerts->Tick(SystemClock::Get()->NowMs()); });
  if (!http_->Start(error)) return false;
  admin_->set_http_stats(&http_->stats());
  context_.http_port = http_->port();
  return true;
}

void Server::RaiseFileLimit() {
  // Like redis-server: room for maxclients plus the server's own descriptors, or a smaller
  // maxclients when the system does not allow that many.
  int64_t maxclients = config_->GetInt("maxclients");
  rlim_t want = static_cast<rlim_t>(maxclients) + 64;
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= want) return;
  limit.rlim_cur = std::min(want, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < want) {
    int64_t allowed = std::max<int64_t>(1, static_cast<int64_t>(limit.rlim_cur) - 64);
    std::string ignored;
    config_->Set("maxclients", std::to_string(allowed), true, &ignored);
    LOG_WARNING(
        "You requested maxclients of %lld requiring at least %llu max file "
        "descriptors; the limit is %llu, so maxclients is now %lld.",
        static_cast<long long>(maxclients), static_cast<unsigned long long>(want),
        static_cast<unsigned long long>(limit.rlim_cur), static_cast<long long>(allowed));
  }
}

void Server::Accept(int fd) {
  context_.connections.total_connections_received.fetch_add(1);
  if (clients_.size() >= static_cast<size_t>(config_->GetInt("maxclients"))) {
    std::string msg = std::string("-") + errors::kMaxClients + "\r\n";
    ssize_t ignored = send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    (void)ignored;
    close(fd);
    context_.connections.rejected_connections.fetch_add(1);
    return;
  }
  LoopState& state = loops_[next_loop_++ % loops_.size()];
  if (state.loop->InLoopThread()) {
    AddClient(state, fd);
  } else {
    state.loop->Post([this, &state, fd] { AddClient(state, fd); });
  }
}

void Server::AddClient(LoopState& state, int fd) {
  auto client = std::make_shared<ClientConnection>(state.loop.get(), fd, clients_.NextId(),
                                                   &context_, &limits_, persistence_.get());
  uint64_t id = client->info().id;
  clients_.Add(client);
  state.clients[id] = client;
  client->Start();
  LOG_DEBUG("Accepted %s (id=%llu)", client->info().addr.c_str(),
            static_cast<unsigned long long>(id));
}

void Server::Cron(int loop_index) {
  LoopState& state = loops_[loop_index];
  int64_t now = SystemClock::Get()->NowMs();
  // Forget closed clients and apply idle timeouts and output limits.
  for (auto it = state.clients.begin(); it != state.clients.end();) {
    if (it->second->closed()) {
      it = state.clients.erase(it);
    } else {
      it->second->CheckIdle(now);
      ++it;
    }
  }
  if (loop_index == 0) {
    persistence_->Cron();
    engine_->RefreshMemory();
    int64_t used = engine_->UsedMemory();
    if (used > context_.peak_memory.load()) context_.peak_memory.store(used);
    SampleOps();
  }
}

void Server::SampleOps() {
  int64_t now = MonotonicUs() / 1000;
  uint64_t count = CommandStats::Totals().commands_processed;
  if (last_ops_sample_ms_ != 0 && now > last_ops_sample_ms_) {
    int64_t rate =
        static_cast<int64_t>(count - last_ops_count_) * 1000 / (now - last_ops_sample_ms_);
    ops_samples_.push_back(rate);
    if (ops_samples_.size() > 16) ops_samples_.erase(ops_samples_.begin());
    int64_t sum = 0;
    for (int64_t s : ops_samples_) sum += s;
    context_.instantaneous_ops_per_sec.store(sum / static_cast<int64_t>(ops_samples_.size()));
  }
  last_ops_sample_ms_ = now;
  last_ops_count_ = count;
}

void Server::WaitForShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  while (true) {
    int sig = 0;
    sigwait(&set, &sig);
    if (shutdown_requested_by_user_.exchange(false)) {
      LOG_NOTICE("User requested shutdown...");
      break;  // SHUTDOWN already prepared persistence
    }
    LOG_NOTICE("Received %s, shutting down...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (persistence_->PrepareShutdown(ShutdownMode::kDefault, false)) break;
    LOG_WARNING("SIGTERM received but errors trying to shut down the server, check the logs");
  }
  warm_->OnShutdown();
  Stop();
  LOG_NOTICE("cachet is now ready to exit, bye bye...");
}

void Server::Stop() {
  if (http_) http_->Stop();  // first: its routes run commands on the engine
  for (auto& state : loops_) state.loop->Stop();
  for (auto& state : loops_) {
    if (state.thread.joinable()) state.thread.join();
  }
  // Loops are stopped: close every client from this thread.
  for (auto& state : loops_) {
    for (auto& [id, client] : state.clients) {
      clients_.Remove(id);
      if (!client->closed()) client->Close();
    }
  }
  // Close() deferred the final release to each loop; run those now.
  for (auto& state : loops_) state.loop->Drain();
  for (auto& state : loops_) state.clients.clear();
  listener_.reset();
  persistence_->Shutdown();
}

}  // namespace cachet
