// KeyOrderIndex: keys of one database slice in byte order, so that every key under a prefix
// (INVALIDATE PATTERN user:123:*) is found by a range walk instead of a keyspace scan. It holds
// entry pointers in a B-tree (about 11 bytes per key); the key bytes stay in the entries.
// Which keys it holds is the prefix-index option: the keys that belong to a namespace (the
// default: cache data lives in namespaces, and other keys pay nothing), every key, or none.
//
// An entry that is reallocated (Entry::Resize moving it) must be re-pointed with Relocate;
// KeyAccess does that wherever an entry can move.
//
// Thread-safety: none; owned by a DbSlice and used under its shard's lock.
#pragma once

#include <absl/container/btree_set.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/entry.h"

namespace cachet {

class KeyOrderIndex {
 public:
  enum class Mode { kNone, kNamespaces, kAll };
  // The prefix-index option, fixed at start.
  static Mode mode() { return mode_; }
  static void set_mode(Mode m) { mode_ = m; }
  // Whether a key is indexed, given whether it belongs to a namespace.
  static bool Holds(bool in_namespace) {
    return mode_ == Mode::kAll || (mode_ == Mode::kNamespaces && in_namespace);
  }

  void Insert(Entry* e);
  void Erase(const Entry* e);
  void Clear() { set_.clear(); }
  // Points the index at moved, a reallocation of the entry that had key. Call it before the
  // old entry is freed with position = PositionOf(key) taken while it was alive.
  class Position;
  Position PositionOf(std::string_view key);
  static void Relocate(Position position, Entry* moved);

  size_t size() const { return set_.size(); }
  // Estimated bytes of the B-tree nodes.
  size_t MemoryBytes() const;

  // Calls fn(Entry*) for each entry whose key starts with prefix, in key order, starting at the
  // first key >= from (from must start with prefix or be empty). Stops early when fn returns
  // false. fn must not change the index.
  template <typename F>
  void ForEachWithPrefix(std::string_view prefix, std::string_view from, F&& fn) const {
    auto it = set_.lower_bound(from.empty() ? prefix : from);
    for (; it != set_.end(); ++it) {
      std::string_view key = (*it)->key();
      if (key.substr(0, prefix.size()) != prefix) return;
      if (!fn(*it)) return;
    }
  }

 private:
  struct KeyLess {
    using is_transparent = void;
    static std::string_view KeyOf(const Entry* e) { return e->key(); }
    static std::string_view KeyOf(std::string_view k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) < KeyOf(b);
    }
  };
  using Set = absl::btree_set<Entry*, KeyLess>;

 public:
  class Position {
   public:
    bool valid() const { return valid_; }

   private:
    friend class KeyOrderIndex;
    Set::iterator it_;
    bool valid_ = false;
  };

 private:
  static Mode mode_;
  Set set_;
};

}  // namespace cachet
