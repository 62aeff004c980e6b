// Implementation of the redis-server style logger.
#include "base/logging.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace cachet {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::atomic<int> g_fd{STDERR_FILENO};
std::mutex g_file_mu;  // serialises log file switches

}  // namespace

bool ParseLogLevel(const std::string& name, LogLevel* level) {
  static const char* kNames[] = {"debug", "verbose", "notice", "warning"};
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

const char* LogLevelName(LogLevel level) {
  static const char* kNames[] = {"debug", "verbose", "notice", "warning"};
  return kNames[static_cast<int>(level)];
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool SetLogFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_file_mu);
  int fd = STDERR_FILENO;
  if (!path.empty()) {
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return false;
  }
  int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO) close(old);
  return true;
}

void Log(LogLevel level, const char* fmt, ...) {
  static const char kMarks[] = {'.', '-', '*', '#'};
  char line[4096];
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tm_now;
  localtime_r(&tv.tv_sec, &tm_now);
  int n = snprintf(line, sizeof(line), "%d:M ", static_cast<int>(getpid()));
  n += static_cast<int>(strftime(line + n, sizeof(line) - n, "%d %b %Y %H:%M:%S", &tm_now));
  n += snprintf(line + n, sizeof(line) - n, ".%03d %c ", static_cast<int>(tv.tv_usec / 1000),
                kMarks[static_cast<int>(level)]);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
  va_end(ap);
  n = (m < 0) ? n : std::min<int>(n + m, sizeof(line) - 2);
  line[n++] = '\n';
  ssize_t ignored = write(g_fd.load(), line, n);
  (void)ignored;
}

}  // namespace cachet
