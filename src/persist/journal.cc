// The append-only log: framing, buffered appends, write-out and fsync, and the reader.
#include "persist/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"

namespace cachet {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

bool GetVarint(std::string_view s, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

constexpr size_t kHeader = 12;
constexpr uint32_t kMaxRecord = 1u << 31;

}  // namespace

bool ParseFsyncPolicy(std::string_view s, FsyncPolicy* out) {
  if (s == "always") {
    *out = FsyncPolicy::kAlways;
  } else if (s == "everysec") {
    *out = FsyncPolicy::kEverySec;
  } else if (s == "no") {
    *out = FsyncPolicy::kNo;
  } else {
    return false;
  }
  return true;
}

void EncodeJournalRecord(int db, std::span<const std::string_view> args, std::string* out) {
  std::string payload;
  PutVarint(&payload, static_cast<uint64_t>(db));
  PutVarint(&payload, args.size());
  for (std::string_view a : args) {
    PutVarint(&payload, a.size());
    payload.append(a);
  }
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed32(out, ~static_cast<uint32_t>(payload.size()));  // a damaged length is detected
  PutFixed32(out, XXH32(payload.data(), payload.size(), 0));
  out->append(payload);
}

Journal::~Journal() {
  SyncRetired();
  if (fd_ >= 0) {
    std::lock_guard<std::mutex> lock(mu_);
    WriteLocked();
    fdatasync(fd_);
    close(fd_);
  }
}

bool Journal::Open(const std::string& path, std::string* error) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open append-only log '" + path + "': " + strerror(errno);
    return false;
  }
  struct stat st;
  fstat(fd, &st);
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  path_ = path;
  file_size_.store(static_cast<uint64_t>(st.st_size));
  return true;
}

bool Journal::Rotate(const std::string& new_path, std::string* error) {
  int fd = open(new_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open append-only log '" + new_path + "': " + strerror(errno);
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!WriteLocked()) {
    close(fd);
    *error = error_;
    return false;
  }
  if (retired_fd_ >= 0) close(retired_fd_);
  retired_fd_ = fd_;
  fd_ = fd;
  path_ = new_path;
  file_size_.store(0);
  return true;
}

void Journal::SyncRetired() {
  int fd;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fd = retired_fd_;
    retired_fd_ = -1;
  }
  if (fd >= 0) {
    fdatasync(fd);
    close(fd);
  }
}

void Journal::Append(int db, std::span<const std::string_view> args) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t before = buffer_.size();
  EncodeJournalRecord(db, args, &buffer_);
  appended_.fetch_add(buffer_.size() - before);
  pending_.store(true, std::memory_order_release);
}

bool Journal::WriteLocked() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("Errors writing to the AOF file: ") + strerror(errno);
      if (!write_error_.exchange(true)) LOG_WARNING("%s (%s)", error_.c_str(), path_.c_str());
      // Keep what was not written: it is retried on the next write-out.
      buffer_.erase(0, done);
      file_size_.fetch_add(done);
      written_.fetch_add(done);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  file_size_.fetch_add(buffer_.size());
  written_.fetch_add(buffer_.size());
  buffer_.clear();
  pending_.store(false, std::memory_order_release);
  if (write_error_.exchange(false)) LOG_WARNING("AOF write error is solved, writes accepted again");
  return true;
}

bool Journal::WriteOut() {
  int fd = -1;
  uint64_t covers = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return true;
    if (!buffer_.empty() && !WriteLocked()) return false;
    if (policy_.load() != FsyncPolicy::kAlways) return !write_error_.load();
    covers = written_.load();
    if (synced_.load() >= covers) return true;
    fd = dup(fd_);
  }
  // fsync outside the lock: others keep appending meanwhile. Whatever was written before this
  // point (this thread's records included, even if another thread wrote them) is then on disk.
  return SyncFd(fd, covers);
}

bool Journal::Sync() {
  int fd = -1;
  uint64_t covers = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return true;
    if (!WriteLocked()) return false;
    covers = written_.load();
    fd = dup(fd_);
  }
  return SyncFd(fd, covers);
}

bool Journal::SyncFd(int fd, uint64_t covers) {
  if (fd < 0) return false;
  bool ok = fdatasync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::string("Errors writing to the AOF file: fsync failed: ") + strerror(saved);
    write_error_.store(true);
    return false;
  }
  uint64_t prev = synced_.load();
  while (prev < covers && !synced_.compare_exchange_weak(prev, covers)) {
  }
  last_sync_us_.store(MonotonicUs());
  return true;
}

std::string Journal::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

bool JournalReader::Open(const std::string& path, std::string* error) {
  std::string reason;
  if (!file_.Open(path, &reason)) {
    *error = "cannot open append-only log '" + path + "': " + reason;
    return false;
  }
  data_ = file_.data();
  return true;
}

JournalReader::Status JournalReader::Next(int* db, std::vector<std::string_view>* args) {
  args->clear();
  record_offset_ = pos_;
  if (pos_ == data_.size()) return Status::kEnd;
  if (data_.size() - pos_ < kHeader) {
    problem_ = "incomplete record header";
    return Status::kTornTail;
  }
  uint32_t len = GetFixed32(data_.data() + pos_);
  uint32_t len_check = GetFixed32(data_.data() + pos_ + 4);
  uint32_t sum = GetFixed32(data_.data() + pos_ + 8);
  if (len != ~len_check) {
    problem_ = "damaged record header";
    return Status::kCorrupt;
  }
  if (len > kMaxRecord) {
    problem_ = "impossible record length " + std::to_string(len);
    return Status::kCorrupt;
  }
  if (data_.size() - pos_ - kHeader < len) {
    problem_ = "record cut short";
    return Status::kTornTail;
  }
  std::string_view payload(data_.data() + pos_ + kHeader, len);
  if (XXH32(payload.data(), payload.size(), 0) != sum) {
    problem_ = "checksum mismatch";
    return Status::kCorrupt;
  }
  size_t p = 0;
  uint64_t index, argc;
  if (!GetVarint(payload, &p, &index) || !GetVarint(payload, &p, &argc) || argc == 0 ||
      argc > payload.size()) {
    problem_ = "malformed record";
    return Status::kCorrupt;
  }
  for (uint64_t i = 0; i < argc; ++i) {
    uint64_t alen;
    if (!GetVarint(payload, &p, &alen) || alen > payload.size() - p) {
      problem_ = "malformed argument";
      return Status::kCorrupt;
    }
    args->emplace_back(payload.substr(p, alen));
    p += alen;
  }
  if (p != payload.size()) {
    problem_ = "trailing bytes in record";
    return Status::kCorrupt;
  }
  *db = static_cast<int>(index);
  pos_ += kHeader + len;
  return Status::kRecord;
}

}  // namespace cachet
