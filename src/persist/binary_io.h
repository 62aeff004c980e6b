// Buffered binary file writing and reading with varints and a running XXH3-64 checksum, used
// by the snapshot and append-only log formats, and read-only mappings of whole files (the log
// and warm file readers).
// Thread-safety: one writer/reader per file, not shared.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

class FileWriter {
 public:
  FileWriter() = default;
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Creates (truncates) path. Returns false with *error on failure.
  bool Open(const std::string& path, std::string* error);
  // Opens path for appending (creating it if needed).
  bool OpenAppend(const std::string& path, std::string* error);

  void Bytes(std::string_view data);
  void Byte(uint8_t b) { Bytes(std::string_view(reinterpret_cast<char*>(&b), 1)); }
  void Varint(uint64_t v);
  void Fixed64(uint64_t v);
  void String(std::string_view s) {
    Varint(s.size());
    Bytes(s);
  }
  // XXH3-64 of everything written since Open (or the last ResetChecksum).
  uint64_t checksum() const { return XXH3_64bits_digest(hash_); }
  void ResetChecksum() { XXH3_64bits_reset(hash_); }

  // Writes buffered bytes to the file. Returns false on I/O error (error() says why).
  bool Flush();
  bool Sync();  // Flush + fdatasync
  bool Close();
  uint64_t bytes_written() const { return total_; }
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

 private:
  int fd_ = -1;
  std::string buffer_;
  uint64_t total_ = 0;
  std::string error_;
  std::string path_;
  XXH3_state_t* hash_ = XXH3_createState();
};

class FileReader {
 public:
  FileReader() = default;
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  bool Open(const std::string& path, std::string* error);
  // Each Read* returns false at end of file or on a short read (eof() tells which).
  bool Bytes(size_t n, std::string* out);
  bool Byte(uint8_t* b);
  bool Varint(uint64_t* v);
  bool Fixed64(uint64_t* v);
  bool String(std::string* out, uint64_t max_len);

  uint64_t checksum() const { return XXH3_64bits_digest(hash_); }
  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  bool at_end() const { return offset_ >= size_; }

 private:
  bool Fill(size_t n);

  int fd_ = -1;
  std::string buffer_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;  // bytes consumed by the caller
  uint64_t size_ = 0;
  XXH3_state_t* hash_ = XXH3_createState();
};

// A regular file mapped read-only (no copy in memory, whatever its size).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // False with *reason (strerror text, or "not a regular file") when path cannot be mapped.
  bool Open(const std::string& path, std::string* reason);
  std::string_view data() const { return data_; }

 private:
  void* map_ = nullptr;
  std::string_view data_;
};

}  // namespace cachet
