// Tag arguments: validation and adding them to a key within the per-key limit.
#include "commands/tag_args.h"

#include <algorithm>
#include <unordered_set>

#include "commands/errors.h"

namespace cachet {

bool CheckTags(ArgList tags, ReplyBuilder& reply) {
  if (tags.empty()) {
    reply.Error(errors::kTagsNeedOne);
    return false;
  }
  for (std::string_view t : tags) {
    if (t.empty()) {
      reply.Error(errors::kEmptyTag);
      return false;
    }
  }
  if (tags.size() > kMaxTagsPerKey) {  // repeats count once
    std::unordered_set<std::string_view> distinct(tags.begin(), tags.end());
    if (distinct.size() > kMaxTagsPerKey) {
      reply.Error(errors::kTooManyTags);
      return false;
    }
  }
  return true;
}

int64_t AddTags(KeyAccess& access, int db, Entry* e, ArgList tags) {
  const std::vector<std::string>* have = access.TagsOf(db, e);
  size_t fresh = 0;
  for (size_t i = 0; i < tags.size(); ++i) {
    bool known = have != nullptr && std::find(have->begin(), have->end(), tags[i]) != have->end();
    bool repeated = std::find(tags.begin(), tags.begin() + i, tags[i]) != tags.begin() + i;
    if (!known && !repeated) ++fresh;
  }
  if ((have != nullptr ? have->size() : 0) + fresh > kMaxTagsPerKey) return -1;
  int64_t added = 0;
  for (std::string_view t : tags) added += access.AddTag(db, e, t) ? 1 : 0;
  return added;
}

}  // namespace cachet
