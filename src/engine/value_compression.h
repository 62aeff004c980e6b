// Transparent value compression in the engine (docs/compression.md): choosing the stored form
// of a whole-string write from its namespace's compress-above threshold and codec, keeping the
// shard's and namespaces' compression counters exact (one hook where entries are linked and
// unlinked), and summing them. KeyAccess::Inflate, which turns a compressed entry back into a
// raw string before an in-place change (APPEND, SETRANGE), is defined with these.
//
// REQUIRES (PackString, NoteCompression): shard.mu is held by the caller.
// Thread-safety: CompressionTotals locks each shard in turn.
#pragma once

#include <string_view>

#include "core/compressed_value.h"
#include "core/entry.h"
#include "engine/shard.h"

namespace cachet {

class Engine;

std::string_view PackStringSlow(ShardNamespaces& ns, std::string_view key, std::string_view value,
                                Encoding* enc);

// The form to store value of key in: its compressed stored form (in a per-thread buffer, valid
// until the thread's next PackString; *enc becomes kCompressed) when key's namespace compresses
// values that long and compressing saves at least an eighth; otherwise value itself. Integers
// (*enc kInt) are never compressed.
inline std::string_view PackString(ShardNamespaces& ns, std::string_view key,
                                   std::string_view value, Encoding* enc) {
  if (ns.index == nullptr) return value;
  return PackStringSlow(ns, key, value, enc);
}

void NoteCompressionSlow(Shard& shard, const Entry* e, int sign);

// Counts a compressed entry in (sign 1) or out (sign -1) of the shard's and its namespace's
// compression counters; nothing for any other entry.
inline void NoteCompression(Shard& shard, const Entry* e, int sign) {
  if (e->type() != ValueType::kString || e->encoding() != Encoding::kCompressed) return;
  NoteCompressionSlow(shard, e, sign);
}

// The compressed values of every database.
CompressionCounters CompressionTotals(Engine& engine);

}  // namespace cachet
