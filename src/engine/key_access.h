// KeyAccess: locked access to a set of keys for one command. The constructor locks the shards
// of the given keys in ascending order (so commands never deadlock) and takes the command's time
// snapshot; the destructor unlocks. All per-key reads and writes of commands go through here.
//
// Entry pointers returned are valid until the next mutating call on this KeyAccess.
// Thread-safety: one KeyAccess per command; not shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "engine/engine.h"

namespace cachet {

class KeyAccess {
 public:
  static constexpr int64_t kNoDeadline = -1;
  static constexpr int64_t kKeepDeadline = -2;

  KeyAccess(Engine& engine, std::string_view key);
  // Locks the one shard of that index (invalidation walks the keyspace shard by shard).
  struct WholeShard {
    int index;
  };
  KeyAccess(Engine& engine, WholeShard shard);
  KeyAccess(Engine& engine, std::span<const std::string_view> keys);
  ~KeyAccess();
  KeyAccess(const KeyAccess&) = delete;
  KeyAccess& operator=(const KeyAccess&) = delete;

  Engine& engine() { return engine_; }
  int64_t now() const { return now_; }

  // The live entry for key (an expired one is removed on the way), or nullptr. Updates the
  // entry's LRU/LFU stamp unless touch is false.
  Entry* Find(int db, std::string_view key, bool touch = true);
  // The slice of db in a shard this access locks.
  DbSlice& SliceOf(int shard_index, int db) { return engine_.shard(shard_index).dbs[db]; }
  // Find that also counts a keyspace hit or miss (read commands).
  Entry* FindRead(int db, std::string_view key, bool touch = true);

  // Absolute deadline in ms, or kNoDeadline.
  int64_t DeadlineOf(int db, const Entry* e);

  // Stores a string under key, replacing any value. deadline: absolute ms, kNoDeadline, or
  // kKeepDeadline (keep the current TTL, as SET KEEPTTL). An overwrite drops the key's tags;
  // with keep_tags (INCR and friends, which change a value rather than replace it) they stay.
  Entry* SetString(int db, std::string_view key, std::string_view value, Encoding enc,
                   int64_t deadline, bool keep_tags = false);
  // Creates a string of value_len uninitialised bytes (+reserve spare). key must be absent.
  Entry* CreateString(int db, std::string_view key, size_t value_len, size_t reserve, Encoding enc,
                      int64_t deadline);
  // Resizes e's value keeping the prefix, TTL and metadata. Returns the entry (it may move).
  Entry* ResizeValue(int db, Entry* e, size_t new_len, size_t reserve);
  // Turns a compressed string back into a raw one before an in-place change (APPEND, SETRANGE).
  // Returns the entry (it may move). Defined in value_compression.cc.
  Entry* Inflate(int db, Entry* e);
  // Sets (deadline >= 0) or removes (kNoDeadline) e's TTL. Returns the entry (it may move).
  Entry* SetDeadline(int db, Entry* e, int64_t deadline);

  // After a command changed e's string value in place (SETRANGE inside the current length).
  void ValueChanged(int db, Entry* e);
  // Creates key holding the aggregate c. key must be absent.
  Entry* CreateContainer(int db, std::string_view key, std::unique_ptr<Container> c,
                         int64_t deadline);
  // After a command changed e's aggregate: accounts the memory change (bytes_before is
  // container()->MemoryBytes() before the change) and removes the key if it became empty,
  // as Redis removes empty aggregates. Returns false when the key was removed.
  bool ContainerChanged(int db, Entry* e, int64_t bytes_before);

  // Reports a keyspace event (notify-keyspace-events) for key, under this access's locks.
  void Notify(uint32_t type, std::string_view event, int db, std::string_view key) {
    engine_.events().Notify(type, event, db, key);
  }

  bool Delete(int db, std::string_view key);
  void DeleteEntry(int db, Entry* e);
  // Copies src (of src_db) to dst_key in dst_db with the given deadline and src's tags.
  // dst_key must be absent.
  Entry* CopyEntry(int src_db, const Entry* src, int dst_db, std::string_view dst_key,
                   int64_t deadline);

  // Tags (docs/tags.md). AddTag gives e the tag; false when it had it already.
  bool AddTag(int db, Entry* e, std::string_view tag);
  // e's tags in the order given, or nullptr when it has none.
  const std::vector<std::string>* TagsOf(int db, const Entry* e);

 private:
  Shard& ShardFor(std::string_view key, uint64_t* hash);
  Entry* FindIn(Shard& shard, int db, std::string_view key, uint64_t hash, bool touch);
  void Touch(Shard& shard, Entry* e);
  // A write that gives no TTL to a key in a namespace with a default TTL gets that TTL, and the
  // append-only log gets the absolute deadline after the command (a replay of the command
  // alone would give none: nothing applies defaults while loading).
  int64_t WithNamespaceDefault(Shard& shard, int db, std::string_view key, int64_t deadline);

  void Mutated(int db, std::string_view key) {
    mutated_ = true;
    engine_.watches().Touch(db, key);
    engine_.ready_keys().Touch(db, key);
    engine_.leases().Touch(db, key);
  }

  Engine& engine_;
  int64_t now_;
  bool mutated_ = false;
  struct DefaultTtl {
    int db;
    std::string key;
    int64_t deadline;
  };
  std::vector<DefaultTtl> default_ttls_;  // to log after the command
  int single_shard_ = -1;
  std::vector<int> shards_;  // ascending, used when more than one key is locked
};

// Encoding Redis would pick for a freshly stored string ("int", "embstr" or "raw").
Encoding ChooseStringEncoding(std::string_view value);

}  // namespace cachet
