// cachet-server: parses options (config file, CACHET_* environment, --flags), sets up
// logging and signals, runs the server until SIGTERM/SIGINT or SHUTDOWN.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/logging.h"
#include "config/config.h"
#include "server/server.h"

namespace {

void PrintUsage() {
  printf(
      "Usage: cachet-server [/path/to/cachet.toml] [--option value ...]\n"
      "       cachet-server --version\n\n"
      "Every option of the config file is also a flag, as with redis-server:\n"
      "  cachet-server --port 6380 --bind 127.0.0.1 --threads 2 --maxmemory 1gb \\\n"
      "                --maxmemory-policy allkeys-lru --requirepass secret\n"
      "and an environment variable: CACHET_PORT=6380, CACHET_MAXMEMORY=1gb, ...\n"
      "Options: port bind threads databases tcp-backlog maxmemory maxmemory-policy\n"
      "  maxmemory-samples lfu-log-factor lfu-decay-time requirepass maxclients timeout\n"
      "  proto-max-bulk-len client-query-buffer-limit client-output-buffer-limit dir\n"
      "  logfile loglevel slowlog-log-slower-than slowlog-max-len hz notify-keyspace-events\n"
      "Persistence: dir dbfilename save appendonly appendfsync appenddirname\n"
      "  aof-load-truncated aof-load-corrupt auto-aof-rewrite-percentage\n"
      "  auto-aof-rewrite-min-size\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      PrintUsage();
      return 0;
    }
    if (a == "--version" || a == "-v") {
      printf("cachet-server v=0.1.0 (Redis protocol 7.0)\n");
      return 0;
    }
  }
  cachet::Config config;
  std::string config_file, error;
  if (!config.ParseArgs(args, &config_file, &error)) {
    fprintf(stderr, "cachet-server: configuration error: %s\n", error.c_str());
    return 1;
  }
  cachet::LogLevel level;
  cachet::ParseLogLevel(config.GetString("loglevel"), &level);
  cachet::SetLogLevel(level);
  std::string logfile = config.GetString("logfile");
  if (!logfile.empty() && !cachet::SetLogFile(logfile)) {
    fprintf(stderr, "cachet-server: cannot open logfile '%s': %s\n", logfile.c_str(),
            strerror(errno));
    return 1;
  }
  // Signals are handled by the main thread with sigwait; block them before threads start.
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  cachet::Server server(&config);
  server.context().config_file = config_file;
  server.context().executable = argv[0];
  if (!server.Start(&error)) {
    LOG_WARNING("%s", error.c_str());
    fprintf(stderr, "cachet-server: %s\n", error.c_str());
    return 1;
  }
  server.WaitForShutdown();
  return 0;
}
