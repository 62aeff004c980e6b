// Warm file writer and reader.
#include "persist/warm_file.h"

#include <unistd.h>

#include <cstring>
#include <ctime>

#include "persist/snapshot.h"
#include "persist/snapshot_records.h"

namespace cachet {

WarmFileWriter::~WarmFileWriter() {
  if (open_) {
    w_.Close();
    unlink(tmp_.c_str());
  }
}

bool WarmFileWriter::Open(const std::string& path, std::string_view policy, std::string* error) {
  path_ = path;
  tmp_ = path + ".tmp-" + std::to_string(getpid());
  if (!w_.Open(tmp_, error)) return false;
  open_ = true;
  w_.Bytes(kWarmMagic);
  w_.Varint(kWarmVersion);
  WriteAux(w_, "cachet-ver", "0.1.0");
  WriteAux(w_, "ctime", std::to_string(time(nullptr)));
  WriteAux(w_, "policy", policy);
  return true;
}

void WarmFileWriter::SelectDb(int db) {
  std::string payload;
  PutVarint(&payload, static_cast<uint64_t>(db));
  WriteRecord(w_, kRecordSelectDb, payload);
}

void WarmFileWriter::AddKey(uint8_t type, std::string_view payload) {
  WriteRecord(w_, type, payload);
  ++keys_;
}

bool WarmFileWriter::Commit(std::string* error) {
  WriteAux(w_, "keys", std::to_string(keys_));
  w_.Byte(kRecordEof);
  w_.Fixed64(w_.checksum());
  bool ok = w_.Sync() && w_.Close();
  open_ = false;
  if (!ok) {
    *error = w_.error();
    unlink(tmp_.c_str());
    return false;
  }
  return CommitFile(tmp_, path_, error);
}

WarmFileReader::OpenResult WarmFileReader::Open(const std::string& path, std::string* error) {
  path_ = path;
  std::string reason;
  if (!file_.Open(path, &reason)) {
    *error = "'" + path + "': " + reason;
    return OpenResult::kCannotOpen;
  }
  data_ = file_.data();
  size_t magic_len = strlen(kWarmMagic);
  std::string_view magic = data_.substr(0, magic_len);
  snapshot_ = magic == kSnapshotMagic;
  if (magic != kWarmMagic && !snapshot_) {
    *error = "'" + path + "': no warm file or snapshot header";
    return OpenResult::kNotWarmFile;
  }
  PayloadReader header(data_.substr(magic_len));
  uint64_t version;
  if (!header.Varint(&version) || version > (snapshot_ ? kSnapshotVersion : kWarmVersion)) {
    *error = "'" + path + "': unknown format version";
    return OpenResult::kNotWarmFile;
  }
  header_end_ = pos_ = magic_len + header.pos();
  return OpenResult::kOk;
}

bool WarmFileReader::ReadRecord(uint8_t* type, std::string_view* payload) {
  if (pos_ >= data_.size()) return false;
  *type = static_cast<uint8_t>(data_[pos_]);
  if (*type == kRecordEof) {
    ++pos_;
    return true;
  }
  PayloadReader r(data_.substr(pos_ + 1));
  uint64_t len;
  if (!r.Varint(&len) || !r.Bytes(len, payload)) return false;
  pos_ += 1 + r.pos();
  return true;
}

bool WarmFileReader::Verify(int databases, uint64_t* keys, std::string* error) {
  auto fail = [&](const std::string& what) {
    *error = "warm file '" + path_ + "' is damaged at offset " + std::to_string(pos_) + ": " + what;
    return false;
  };
  pos_ = header_end_;
  *keys = 0;
  while (true) {
    size_t at = pos_;
    uint8_t type;
    std::string_view payload;
    if (!ReadRecord(&type, &payload)) return fail("truncated record");
    if (type == kRecordEof) break;
    if (type == kRecordSelectDb) {
      PayloadReader p(payload);
      uint64_t index;
      if (!p.Varint(&index) || !p.done()) return fail("malformed database selector");
      if (index >= static_cast<uint64_t>(databases)) {
        pos_ = at;
        return fail("database " + std::to_string(index) + " does not exist");
      }
    } else if (type == kRecordString || type == kRecordContainer) {
      KeyRecord rec;
      if (!DecodeKeyRecord(type, payload, &rec)) {
        pos_ = at;
        return fail("malformed key record");
      }
      ++*keys;
    }
    // kRecordAux, sessions and later record types are skipped.
  }
  uint64_t stored = 0;
  if (!PayloadReader(data_.substr(pos_)).Fixed64(&stored)) return fail("truncated checksum");
  if (stored != XXH3_64bits(data_.data(), pos_)) return fail("checksum mismatch");
  pos_ += 8;
  if (pos_ != data_.size()) return fail("unexpected bytes after the end-of-file record");
  pos_ = header_end_;
  db_ = 0;
  return true;
}

bool WarmFileReader::Next(int* db, uint8_t* type, std::string_view* payload) {
  while (ReadRecord(type, payload) && *type != kRecordEof) {
    if (*type == kRecordSelectDb) {
      uint64_t index = 0;
      PayloadReader(*payload).Varint(&index);
      db_ = static_cast<int>(index);
    } else if (*type == kRecordString || *type == kRecordContainer) {
      *db = db_;
      return true;
    }
  }
  return false;
}

}  // namespace cachet
