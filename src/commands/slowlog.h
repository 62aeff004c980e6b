// SlowLog: the commands that took longer than slowlog-log-slower-than, newest first, at most
// slowlog-max-len of them, stored the way Redis stores them (arguments trimmed to 32, each to
// 128 bytes). Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace cachet {

struct SlowLogEntry {
  uint64_t id;
  int64_t timestamp_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  void Add(ArgList args, int64_t duration_us, std::string client_addr, std::string client_name,
           size_t max_len);
  std::vector<SlowLogEntry> Get(size_t count) const;
  size_t size() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace cachet
