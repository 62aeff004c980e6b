// Compressed string values (docs/compression.md): the stored form of a string that a namespace
// with a compress-above threshold keeps compressed, and the lz4 / zstd codecs behind it.
//
// Stored form: [codec u8][original length u32, little endian][codec payload]. The header lets
// STRLEN answer without decompressing and lets the reader size its output exactly.
//
// Thread-safety: the functions are thread-safe (codec state is per thread); CompressionCounters
// is a plain value guarded by whoever owns it (a shard's mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

enum class Codec : uint8_t { kLz4 = 1, kZstd = 2 };

inline constexpr size_t kCompressedHeaderSize = 5;
// zstd level used for namespaces with `compress = zstd` (chosen by bench/compression_bench).
inline constexpr int kZstdLevel = 1;

// "lz4" / "zstd".
const char* CodecName(Codec c);
// Parses a codec name (case-insensitive). False when unknown.
bool ParseCodec(std::string_view name, Codec* out);

// Compresses raw into *out (stored form) and returns true when that saves at least 1/8 of the
// bytes; otherwise returns false (the caller stores raw) and *out is unspecified.
bool CompressValue(std::string_view raw, Codec codec, std::string* out);

// Decompresses a stored form into *out. False (and *out cleared) when stored is short,
// names an unknown codec, or its payload does not decode to exactly the recorded length.
bool DecompressValue(std::string_view stored, std::string* out);

// The original length recorded in a stored form's header (0 when stored is too short).
size_t CompressedOriginalLength(std::string_view stored);

// Compressed values of a shard or of a namespace: how many, their stored bytes (header and
// payload) and the bytes they stand for.
struct CompressionCounters {
  int64_t keys = 0;
  int64_t stored_bytes = 0;
  int64_t original_bytes = 0;

  // Adds (sign 1) or removes (sign -1) one stored form.
  void Add(std::string_view stored, int sign) {
    keys += sign;
    stored_bytes += sign * static_cast<int64_t>(stored.size());
    original_bytes += sign * static_cast<int64_t>(CompressedOriginalLength(stored));
  }
  void Sum(const CompressionCounters& o) {
    keys += o.keys;
    stored_bytes += o.stored_bytes;
    original_bytes += o.original_bytes;
  }
  int64_t saved_bytes() const { return original_bytes - stored_bytes; }
};

}  // namespace cachet
