// TagIndex: which keys of one database slice carry which tags (CACHE.SET ... TAGS, TAG.ADD), in
// both directions, so TAG.INVALIDATE finds a tag's keys directly and removing a key drops it
// from every tag it had. The index is exact: the slice operations call RemoveKey whenever a
// tagged entry goes (DEL, overwrite, expiry, eviction, RENAME, FLUSH), so it never names a key
// that is not there. Entries carry a "tagged" flag so untagged keys never look here.
//
// Thread-safety: none; owned by a DbSlice and used under its shard's lock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cachet {

class TagIndex {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

 public:
  using KeySet = std::unordered_set<std::string, Hash, std::equal_to<>>;

  // Adds tag to key. Returns false when key already had it.
  bool Add(std::string_view key, std::string_view tag);
  // Drops key from all its tags (tags left without keys disappear). Returns how many it had.
  size_t RemoveKey(std::string_view key);
  // The tags of key, in the order they were added.
  const std::vector<std::string>* TagsOf(std::string_view key) const;
  // The keys carrying tag (nullptr when none).
  const KeySet* KeysOf(std::string_view tag) const;
  // Up to max keys of tag, copied (the caller deletes them, which changes the index).
  std::vector<std::string> SomeKeysOf(std::string_view tag, size_t max) const;

  size_t tag_count() const { return keys_by_tag_.size(); }
  size_t tagged_keys() const { return tags_by_key_.size(); }
  // Estimated bytes of the index (strings, nodes and buckets).
  size_t MemoryBytes() const { return bytes_; }
  template <typename F>
  void ForEachTag(F&& fn) const {
    for (const auto& [tag, keys] : keys_by_tag_) fn(tag, keys.size());
  }

 private:
  static size_t StringBytes(std::string_view s);

  std::unordered_map<std::string, KeySet, Hash, std::equal_to<>> keys_by_tag_;
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> tags_by_key_;
  size_t bytes_ = 0;
};

}  // namespace cachet
