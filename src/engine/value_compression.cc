// Choosing compressed stored forms, their counters, and KeyAccess::Inflate.
#include "engine/value_compression.h"

#include <cstring>
#include <string>

#include "engine/engine.h"
#include "engine/key_access.h"

namespace cachet {

std::string_view PackStringSlow(ShardNamespaces& ns, std::string_view key, std::string_view value,
                                Encoding* enc) {
  if (*enc == Encoding::kInt) return value;  // 20 bytes at most, and INCR reads them
  const NamespaceSpec* spec = ns.index->Match(key);
  if (spec == nullptr || spec->compress_above <= 0 ||
      value.size() < static_cast<size_t>(spec->compress_above)) {
    return value;
  }
  thread_local std::string packed;
  if (packed.capacity() > (8u << 20) && value.size() < (1u << 20)) std::string().swap(packed);
  if (!CompressValue(value, spec->codec, &packed)) return value;
  *enc = Encoding::kCompressed;
  return packed;
}

void NoteCompressionSlow(Shard& shard, const Entry* e, int sign) {
  shard.compression.Add(e->value(), sign);
  if (NamespaceCounters* ns = shard.ns.Of(e->key())) ns->compression.Add(e->value(), sign);
}

CompressionCounters CompressionTotals(Engine& engine) {
  CompressionCounters sum;
  for (int i = 0; i < Engine::kShards; ++i) {
    Shard& shard = engine.shard(i);
    std::lock_guard<ShardMutex> lock(shard.mu);
    sum.Sum(shard.compression);
  }
  return sum;
}

Entry* KeyAccess::Inflate(int db, Entry* e) {
  if (e->encoding() != Encoding::kCompressed) return e;
  std::string raw;
  DecompressValue(e->value(), &raw);  // cannot fail for a form CompressValue made
  uint64_t hash;
  Shard& shard = ShardFor(e->key(), &hash);
  NoteCompression(shard, e, -1);
  e->set_encoding(Encoding::kRaw);
  e = ResizeValue(db, e, raw.size(), 0);
  if (!raw.empty()) memcpy(e->mutable_value(), raw.data(), raw.size());
  return e;
}

}  // namespace cachet
