// Slow log storage.
#include "commands/slowlog.h"

#include <ctime>

namespace cachet {
namespace {

constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;

}  // namespace

void SlowLog::Add(ArgList args, int64_t duration_us, std::string client_addr,
                  std::string client_name, size_t max_len) {
  SlowLogEntry entry;
  entry.timestamp_s = time(nullptr);
  entry.duration_us = duration_us;
  entry.client_addr = std::move(client_addr);
  entry.client_name = std::move(client_name);
  size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (n == kMaxArgs && i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      entry.args.push_back("... (" + std::to_string(args.size() - kMaxArgs + 1) +
                           " more arguments)");
      break;
    }
    std::string_view a = args[i];
    if (a.size() > kMaxArgLen) {
      entry.args.push_back(std::string(a.substr(0, kMaxArgLen)) + "... (" +
                           std::to_string(a.size() - kMaxArgLen) + " more bytes)");
    } else {
      entry.args.emplace_back(a);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = std::min(count, entries_.size());
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + n);
}

size_t SlowLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace cachet
