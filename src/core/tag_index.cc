// TagIndex: both directions of the tag <-> key relation, kept in step, and a byte estimate.
#include "core/tag_index.h"

#include <algorithm>

namespace cachet {

namespace {
// Per-element cost of a node-based hash container: node (next pointer, cached hash, value)
// plus its bucket pointer.
constexpr size_t kNodeBytes = 16 + sizeof(void*);
}  // namespace

size_t TagIndex::StringBytes(std::string_view s) {
  return sizeof(std::string) + (s.size() > 15 ? s.size() + 1 : 0);
}

bool TagIndex::Add(std::string_view key, std::string_view tag) {
  auto by_key = tags_by_key_.find(key);
  if (by_key == tags_by_key_.end()) {
    by_key = tags_by_key_.emplace(std::string(key), std::vector<std::string>()).first;
    bytes_ += kNodeBytes + StringBytes(key) + sizeof(std::vector<std::string>);
  }
  std::vector<std::string>& tags = by_key->second;
  if (std::find(tags.begin(), tags.end(), tag) != tags.end()) return false;
  tags.emplace_back(tag);
  bytes_ += StringBytes(tag);
  auto by_tag = keys_by_tag_.find(tag);
  if (by_tag == keys_by_tag_.end()) {
    by_tag = keys_by_tag_.emplace(std::string(tag), KeySet()).first;
    bytes_ += kNodeBytes + StringBytes(tag) + sizeof(KeySet);
  }
  by_tag->second.emplace(key);
  bytes_ += kNodeBytes + StringBytes(key);
  return true;
}

size_t TagIndex::RemoveKey(std::string_view key) {
  auto by_key = tags_by_key_.find(key);
  if (by_key == tags_by_key_.end()) return 0;
  size_t n = by_key->second.size();
  for (const std::string& tag : by_key->second) {
    auto by_tag = keys_by_tag_.find(tag);
    by_tag->second.erase(by_tag->second.find(key));
    bytes_ -= kNodeBytes + StringBytes(key) + StringBytes(tag);
    if (by_tag->second.empty()) {
      bytes_ -= kNodeBytes + StringBytes(tag) + sizeof(KeySet);
      keys_by_tag_.erase(by_tag);
    }
  }
  bytes_ -= kNodeBytes + StringBytes(key) + sizeof(std::vector<std::string>);
  tags_by_key_.erase(by_key);
  return n;
}

const std::vector<std::string>* TagIndex::TagsOf(std::string_view key) const {
  auto it = tags_by_key_.find(key);
  return it == tags_by_key_.end() ? nullptr : &it->second;
}

const TagIndex::KeySet* TagIndex::KeysOf(std::string_view tag) const {
  auto it = keys_by_tag_.find(tag);
  return it == keys_by_tag_.end() ? nullptr : &it->second;
}

std::vector<std::string> TagIndex::SomeKeysOf(std::string_view tag, size_t max) const {
  std::vector<std::string> out;
  const KeySet* keys = KeysOf(tag);
  if (keys == nullptr) return out;
  out.reserve(std::min(max, keys->size()));
  for (const std::string& k : *keys) {
    if (out.size() >= max) break;
    out.push_back(k);
  }
  return out;
}

}  // namespace cachet
