// Buffered file I/O with varints and checksums.
#include "persist/binary_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cachet {
namespace {

constexpr size_t kBufferSize = 256 * 1024;

}  // namespace

FileWriter::~FileWriter() {
  if (fd_ >= 0) close(fd_);
  XXH3_freeState(hash_);
}

bool FileWriter::Open(const std::string& path, std::string* error) {
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *error = "cannot create '" + path + "': " + strerror(errno);
    return false;
  }
  path_ = path;
  XXH3_64bits_reset(hash_);
  return true;
}

bool FileWriter::OpenAppend(const std::string& path, std::string* error) {
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    *error = "cannot open '" + path + "': " + strerror(errno);
    return false;
  }
  path_ = path;
  XXH3_64bits_reset(hash_);
  return true;
}

void FileWriter::Bytes(std::string_view data) {
  XXH3_64bits_update(hash_, data.data(), data.size());
  buffer_.append(data);
  total_ += data.size();
  if (buffer_.size() >= kBufferSize) Flush();
}

void FileWriter::Varint(uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  Bytes(std::string_view(buf, n));
}

void FileWriter::Fixed64(uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  Bytes(std::string_view(buf, 8));
}

bool FileWriter::Flush() {
  size_t done = 0;
  while (done < buffer_.size() && error_.empty()) {
    ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = "write to '" + path_ + "' failed: " + strerror(errno);
      break;
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return error_.empty();
}

bool FileWriter::Sync() {
  if (!Flush()) return false;
  if (fdatasync(fd_) != 0) error_ = "fsync of '" + path_ + "' failed: " + strerror(errno);
  return error_.empty();
}

bool FileWriter::Close() {
  bool ok = Flush();
  if (fd_ >= 0 && close(fd_) != 0 && ok) {
    error_ = "close of '" + path_ + "' failed: " + strerror(errno);
    ok = false;
  }
  fd_ = -1;
  return ok;
}

FileReader::~FileReader() {
  if (fd_ >= 0) close(fd_);
  XXH3_freeState(hash_);
}

bool FileReader::Open(const std::string& path, std::string* error) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    *error = "cannot open '" + path + "': " + strerror(errno);
    return false;
  }
  struct stat st;
  fstat(fd_, &st);
  size_ = static_cast<uint64_t>(st.st_size);
  XXH3_64bits_reset(hash_);
  return true;
}

bool FileReader::Fill(size_t n) {
  if (buffer_.size() - pos_ >= n) return true;
  buffer_.erase(0, pos_);
  pos_ = 0;
  while (buffer_.size() < n) {
    size_t want = std::max(n - buffer_.size(), kBufferSize);
    size_t old = buffer_.size();
    buffer_.resize(old + want);
    ssize_t got = read(fd_, buffer_.data() + old, want);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) {
        buffer_.resize(old);
        continue;
      }
      buffer_.resize(old);
      return false;
    }
    buffer_.resize(old + static_cast<size_t>(got));
  }
  return true;
}

bool FileReader::Bytes(size_t n, std::string* out) {
  if (n > size_ - std::min(offset_, size_)) return false;  // never allocate past the file
  if (!Fill(n)) return false;
  out->assign(buffer_.data() + pos_, n);
  XXH3_64bits_update(hash_, buffer_.data() + pos_, n);
  pos_ += n;
  offset_ += n;
  return true;
}

bool FileReader::Byte(uint8_t* b) {
  if (!Fill(1)) return false;
  *b = static_cast<uint8_t>(buffer_[pos_]);
  XXH3_64bits_update(hash_, buffer_.data() + pos_, 1);
  ++pos_;
  ++offset_;
  return true;
}

bool FileReader::Varint(uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b;
    if (!Byte(&b)) return false;
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;  // over-long varint: corrupt
}

bool FileReader::Fixed64(uint64_t* v) {
  std::string s;
  if (!Bytes(8, &s)) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  return true;
}

bool FileReader::String(std::string* out, uint64_t max_len) {
  uint64_t len;
  if (!Varint(&len) || len > max_len) return false;
  return Bytes(static_cast<size_t>(len), out);
}

MappedFile::~MappedFile() {
  if (map_ != nullptr) munmap(map_, data_.size());
}

bool MappedFile::Open(const std::string& path, std::string* reason) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    *reason = strerror(errno);
    if (fd >= 0) close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    *reason = "not a regular file";
    return false;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    map_ = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      *reason = strerror(errno);
      close(fd);
      return false;
    }
    madvise(map_, size, MADV_SEQUENTIAL);
    data_ = std::string_view(static_cast<const char*>(map_), size);
  }
  close(fd);
  return true;
}

}  // namespace cachet
