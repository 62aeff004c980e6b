// Helpers shared by the sorted set command files (zset_family.cc, zset_range_family.cc,
// zset_store_family.cc): error texts, scored replies in RESP2 and RESP3, and storing a computed
// sorted set under a destination key the way Redis's *STORE commands do.
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command.h"
#include "commands/registry.h"
#include "core/zset_value.h"
#include "engine/key_access.h"

namespace cachet {

namespace zset_errors {
inline constexpr char kNotFloatRange[] = "ERR min or max is not a float";
inline constexpr char kNotLexRange[] = "ERR min or max not valid string range item";
}  // namespace zset_errors

constexpr ValueType kZSetType = ValueType::kZSet;

using ScoredMember = std::pair<std::string_view, double>;

// Header of a reply of n members, with or without scores: RESP2 flattens member, score pairs
// into one array; RESP3 nests a [member, score] array per member.
inline void ScoredArrayHeader(ReplyBuilder& reply, size_t n, bool with_scores) {
  reply.ArrayHeader(with_scores && !reply.resp3() ? n * 2 : n);
}

inline void ScoredElement(ReplyBuilder& reply, std::string_view member, double score,
                          bool with_scores) {
  if (with_scores && reply.resp3()) reply.ArrayHeader(2);
  reply.Bulk(member);
  if (with_scores) reply.Double(score);
}

inline void ReplyScored(ReplyBuilder& reply, const std::vector<ScoredMember>& items,
                        bool with_scores) {
  ScoredArrayHeader(reply, items.size(), with_scores);
  for (const auto& [member, score] : items) ScoredElement(reply, member, score, with_scores);
}

// Replaces dst (any type, any TTL) with z, or deletes dst when z is empty; replies the size.
// event is the keyspace event of a non-empty result ("zunionstore", ...).
inline void StoreZSet(KeyAccess& access, int db, std::string_view dst, std::unique_ptr<ZSetValue> z,
                      ReplyBuilder& reply, std::string_view event) {
  size_t size = z->Size();
  bool existed = access.Delete(db, dst);
  if (size > 0) {
    access.CreateContainer(db, dst, std::move(z), KeyAccess::kNoDeadline);
    access.Notify(kNotifyZset, event, db, dst);
  } else if (existed) {
    access.Notify(kNotifyGeneric, "del", db, dst);
  }
  reply.Integer(static_cast<int64_t>(size));
}

// The range and store command files register their rows through these (called by
// RegisterZSetFamily).
void RegisterZSetRangeCommands(CommandRegistry& r);
void RegisterZSetStoreCommands(CommandRegistry& r);

}  // namespace cachet
