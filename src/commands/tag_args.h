// The TAGS arguments shared by CACHE.SET, TAG.ADD and CACHE.FILL (docs/tags.md): checking
// them and adding them to a key within the per-key limit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "commands/command.h"
#include "engine/key_access.h"

namespace cachet {

inline constexpr size_t kMaxTagsPerKey = 64;

// Checks tags: at least one, none empty, at most kMaxTagsPerKey distinct. Returns false with the
// error replied.
bool CheckTags(ArgList tags, ReplyBuilder& reply);

// Adds tags to e unless that would pass the per-key limit. Returns how many were new, or -1
// (nothing added) when over the limit.
int64_t AddTags(KeyAccess& access, int db, Entry* e, ArgList tags);

}  // namespace cachet
