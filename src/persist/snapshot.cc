// Snapshot writer and loader.
#include "persist/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/hash.h"
#include "base/logging.h"
#include "core/container_factory.h"
#include "core/session.h"
#include "core/string_value.h"
#include "engine/key_access.h"
#include "persist/binary_io.h"

namespace cachet {
namespace {

constexpr uint64_t kMaxStringLen = 4ULL * 1024 * 1024 * 1024;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void WriteRecord(FileWriter& w, uint8_t type, const std::string& payload) {
  w.Byte(type);
  w.Varint(payload.size());
  w.Bytes(payload);
}

void WriteAux(FileWriter& w, std::string_view key, std::string_view value) {
  std::string payload;
  PutString(&payload, key);
  PutString(&payload, value);
  WriteRecord(w, kRecordAux, payload);
}

// Reads fields out of one record's payload.
class PayloadReader {
 public:
  explicit PayloadReader(const std::string& p) : p_(p) {}
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && pos_ < p_.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(p_[pos_++]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Fixed64(uint64_t* v) {
    if (p_.size() - pos_ < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i)
      *v |= static_cast<uint64_t>(static_cast<uint8_t>(p_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return true;
  }
  bool String(std::string_view* s) {
    uint64_t len;
    if (!Varint(&len) || len > p_.size() - pos_) return false;
    *s = std::string_view(p_).substr(pos_, len);
    pos_ += len;
    return true;
  }
  bool Bytes(size_t n, std::string_view* s) {
    if (p_.size() - pos_ < n) return false;
    *s = std::string_view(p_).substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view Rest() {
    std::string_view rest = std::string_view(p_).substr(pos_);
    pos_ = p_.size();
    return rest;
  }
  bool done() const { return pos_ == p_.size(); }

 private:
  const std::string& p_;
  size_t pos_ = 0;
};

}  // namespace

bool CommitFile(const std::string& tmp, const std::string& path, std::string* error) {
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename '" + tmp + "' to '" + path + "': " + strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return true;
}

bool WriteSnapshot(Engine& engine, const std::string& path, SnapshotStats* stats,
                   std::string* error) {
  int64_t start = MonotonicUs();
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FileWriter w;
  if (!w.Open(tmp, error)) return false;
  w.Bytes(kSnapshotMagic);
  w.Varint(kSnapshotVersion);
  WriteAux(w, "cachet-ver", "0.1.0");
  WriteAux(w, "ctime", std::to_string(time(nullptr)));
  uint64_t keys = 0;
  std::string payload;
  for (int db = 0; db < engine.databases(); ++db) {
    bool selected = false;
    engine.ForEachEntryUnlocked(db, [&](const Entry* e, int64_t deadline) {
      if (!selected) {
        payload.clear();
        PutVarint(&payload, static_cast<uint64_t>(db));
        WriteRecord(w, kRecordSelectDb, payload);
        selected = true;
      }
      payload.clear();
      PutVarint(&payload, deadline >= 0 ? 1 : 0);
      if (deadline >= 0) PutFixed64(&payload, static_cast<uint64_t>(deadline));
      PutString(&payload, e->key());
      if (e->type() == ValueType::kString) {
        PutString(&payload, StringValue(e));  // original bytes: a reload compresses again
        WriteRecord(w, kRecordString, payload);
      } else {
        payload.push_back(static_cast<char>(e->type()));
        e->container()->Serialize(&payload);
        WriteRecord(w, kRecordContainer, payload);
      }
      if (e->tagged()) {
        const std::vector<std::string>* tags =
            engine.shard(Engine::ShardIndex(HashKey(e->key()))).dbs[db].tags.TagsOf(e->key());
        if (tags != nullptr) {
          payload.clear();
          PutString(&payload, e->key());
          PutVarint(&payload, tags->size());
          for (const std::string& t : *tags) PutString(&payload, t);
          WriteRecord(w, kRecordTags, payload);
        }
      }
      ++keys;
    });
  }
  uint64_t sessions = 0;
  engine.sessions().ForEachUnlocked([&](const Session& s) {
    payload.clear();
    SerializeSession(s, &payload);
    WriteRecord(w, kRecordSession, payload);
    ++sessions;
  });
  WriteAux(w, "keys", std::to_string(keys));
  WriteAux(w, "sessions", std::to_string(sessions));
  w.Byte(kRecordEof);
  uint64_t sum = w.checksum();
  w.Fixed64(sum);
  if (!w.Sync() || !w.Close()) {
    *error = w.error();
    unlink(tmp.c_str());
    return false;
  }
  if (!CommitFile(tmp, path, error)) return false;
  if (stats != nullptr) {
    stats->keys = keys;
    stats->sessions = sessions;
    stats->bytes = w.bytes_written();
    stats->duration_us = MonotonicUs() - start;
  }
  return true;
}

bool LoadSnapshot(Engine& engine, const std::string& path, SnapshotStats* stats, std::string* error,
                  const EncodingLimits& limits) {
  int64_t start = MonotonicUs();
  FileReader r;
  if (!r.Open(path, error)) return false;
  auto fail = [&](const std::string& what) {
    *error =
        "snapshot '" + path + "' is damaged at offset " + std::to_string(r.offset()) + ": " + what;
    return false;
  };
  std::string magic;
  uint64_t version;
  if (!r.Bytes(strlen(kSnapshotMagic), &magic) || magic != kSnapshotMagic) {
    return fail("not a cachet snapshot (bad magic)");
  }
  if (!r.Varint(&version)) return fail("truncated header");
  if (version > kSnapshotVersion) {
    return fail("format version " + std::to_string(version) + " is newer than this server (" +
                std::to_string(kSnapshotVersion) + ")");
  }
  int db = 0;
  uint64_t loaded = 0, expired = 0, sessions = 0;
  int64_t now = engine.NowMs();
  std::string payload;
  while (true) {
    uint8_t type;
    if (!r.Byte(&type)) return fail("truncated: no end-of-file record");
    if (type == kRecordEof) break;
    uint64_t len;
    if (!r.Varint(&len)) return fail("truncated record header");
    if (!r.Bytes(static_cast<size_t>(std::min<uint64_t>(len, kMaxStringLen)), &payload) ||
        payload.size() != len) {
      return fail("truncated record");
    }
    PayloadReader p(payload);
    if (type == kRecordSelectDb) {
      uint64_t index;
      if (!p.Varint(&index) || !p.done()) return fail("malformed database selector");
      if (index >= static_cast<uint64_t>(engine.databases())) {
        return fail("database " + std::to_string(index) + " does not exist (databases is " +
                    std::to_string(engine.databases()) + ")");
      }
      db = static_cast<int>(index);
    } else if (type == kRecordString) {
      uint64_t flags, deadline = 0;
      std::string_view key, value;
      if (!p.Varint(&flags) || ((flags & 1) && !p.Fixed64(&deadline)) || !p.String(&key) ||
          !p.String(&value) || !p.done()) {
        return fail("malformed string record");
      }
      if ((flags & 1) && static_cast<int64_t>(deadline) < now) {
        ++expired;
        continue;
      }
      KeyAccess access(engine, key);
      access.SetString(db, key, value, ChooseStringEncoding(value),
                       (flags & 1) ? static_cast<int64_t>(deadline) : KeyAccess::kNoDeadline);
      if (++loaded % 1000000 == 0) {
        LOG_NOTICE("Loading snapshot: %llu keys, %.0f%% of %s",
                   static_cast<unsigned long long>(loaded), 100.0 * r.offset() / r.size(),
                   path.c_str());
      }
    } else if (type == kRecordContainer) {
      uint64_t flags, deadline = 0;
      std::string_view key, type_byte;
      if (!p.Varint(&flags) || ((flags & 1) && !p.Fixed64(&deadline)) || !p.String(&key) ||
          !p.Bytes(1, &type_byte)) {
        return fail("malformed aggregate record");
      }
      auto value_type = static_cast<ValueType>(type_byte[0]);
      std::unique_ptr<Container> c = DeserializeContainer(value_type, p.Rest(), limits);
      if (c == nullptr) return fail(std::string("malformed ") + TypeName(value_type) + " record");
      if ((flags & 1) && static_cast<int64_t>(deadline) < now) {
        ++expired;
        continue;
      }
      KeyAccess access(engine, key);
      access.Delete(db, key);
      access.CreateContainer(db, key, std::move(c),
                             (flags & 1) ? static_cast<int64_t>(deadline) : KeyAccess::kNoDeadline);
      ++loaded;
    } else if (type == kRecordTags) {
      std::string_view key, tag;
      uint64_t n;
      if (!p.String(&key) || !p.Varint(&n)) return fail("malformed tags record");
      std::vector<std::string_view> tags;
      for (uint64_t i = 0; i < n; ++i) {
        if (!p.String(&tag)) return fail("malformed tags record");
        tags.push_back(tag);
      }
      if (!p.done()) return fail("malformed tags record");
      KeyAccess access(engine, key);
      Entry* e = access.Find(db, key, false);  // absent when it was skipped as expired
      if (e != nullptr) {
        for (std::string_view t : tags) access.AddTag(db, e, t);
      }
    } else if (type == kRecordSession) {
      Session s;
      if (!DeserializeSession(payload, &s)) return fail("malformed session record");
      if (s.ExpiresAt() <= now) {
        ++expired;
        continue;
      }
      engine.sessions().Restore(std::move(s));
      ++sessions;
    }
    // kRecordAux and record types added by later versions are skipped.
  }
  uint64_t expected = r.checksum();
  uint64_t stored;
  if (!r.Fixed64(&stored)) return fail("truncated checksum");
  if (stored != expected) return fail("checksum mismatch");
  if (!r.at_end()) return fail("unexpected bytes after the end-of-file record");
  if (stats != nullptr) {
    stats->keys = loaded;
    stats->sessions = sessions;
    stats->expired_skipped = expired;
    stats->bytes = r.size();
    stats->duration_us = MonotonicUs() - start;
  }
  return true;
}

}  // namespace cachet
