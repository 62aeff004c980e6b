// Process-wide logger writing redis-server style lines ("pid:M 22 Nov 2026 03:15:20.123 * msg")
// to stderr or a log file. Thread-safe: each line is written with a single write(2).
#pragma once

#include <string>

namespace cachet {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Parses "debug", "verbose", "notice", "warning"; returns false on anything else.
bool ParseLogLevel(const std::string& name, LogLevel* level);
const char* LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Empty path logs to stderr. Returns false (and keeps the old target) if the file can't be opened.
bool SetLogFile(const std::string& path);

void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define CACHET_LOG(level, ...)                                                \
  do {                                                                        \
    if (static_cast<int>(level) >= static_cast<int>(::cachet::GetLogLevel())) \
      ::cachet::Log(level, __VA_ARGS__);                                      \
  } while (0)
#define LOG_DEBUG(...) CACHET_LOG(::cachet::LogLevel::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) CACHET_LOG(::cachet::LogLevel::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) CACHET_LOG(::cachet::LogLevel::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) CACHET_LOG(::cachet::LogLevel::kWarning, __VA_ARGS__)

}  // namespace cachet
