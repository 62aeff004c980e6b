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
#include "persist/snapshot_records.h"

namespace cachet {
namespace {

constexpr uint64_t kMaxStringLen = 4ULL * 1024 * 1024 * 1024;

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
      uint8_t type = EncodeKeyRecord(e, deadline, &payload);
      WriteRecord(w, type, payload);
      if (e->tagged()) {
        const std::vector<std::string>* tags =
            engine.shard(Engine::ShardIndex(HashKey(e->key()))).dbs[db].tags.TagsOf(e->key());
        if (tags != nullptr) {
          EncodeTagsRecord(e->key(), *tags, &payload);
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

void ApplyTags(Engine& engine, int db, std::string_view key,
               const std::vector<std::string_view>& tags) {
  KeyAccess access(engine, key);
  Entry* e = access.Find(db, key, false);
  if (e == nullptr) return;
  for (std::string_view t : tags) access.AddTag(db, e, t);
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
    } else if (type == kRecordString || type == kRecordContainer) {
      KeyRecord rec;
      if (!DecodeKeyRecord(type, payload, &rec)) {
        return fail(type == kRecordString ? "malformed string record"
                                          : "malformed aggregate record");
      }
      std::unique_ptr<Container> c;
      if (rec.type != ValueType::kString) {
        c = DeserializeContainer(rec.type, rec.value, limits);
        if (c == nullptr) return fail(std::string("malformed ") + TypeName(rec.type) + " record");
      }
      if (rec.deadline >= 0 && rec.deadline < now) {
        ++expired;
        continue;
      }
      KeyAccess access(engine, rec.key);
      int64_t deadline = rec.deadline >= 0 ? rec.deadline : KeyAccess::kNoDeadline;
      if (c == nullptr) {
        access.SetString(db, rec.key, rec.value, ChooseStringEncoding(rec.value), deadline);
      } else {
        access.Delete(db, rec.key);
        access.CreateContainer(db, rec.key, std::move(c), deadline);
      }
      if (++loaded % 1000000 == 0) {
        LOG_NOTICE("Loading snapshot: %llu keys, %.0f%% of %s",
                   static_cast<unsigned long long>(loaded), 100.0 * r.offset() / r.size(),
                   path.c_str());
      }
    } else if (type == kRecordTags) {
      std::string_view key;
      std::vector<std::string_view> tags;
      if (!DecodeTagsRecord(payload, &key, &tags)) return fail("malformed tags record");
      ApplyTags(engine, db, key, tags);
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
