// lz4 and zstd behind the compressed-value stored form.
#include "core/compressed_value.h"

#include <lz4.h>
#include <strings.h>
#include <zstd.h>

#include <limits>

namespace cachet {
namespace {

// Per-thread zstd contexts: creating one per call costs more than compressing a small value.
struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

ZstdContexts& Zstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

void WriteHeader(char* p, Codec codec, uint32_t len) {
  p[0] = static_cast<char>(codec);
  for (int i = 0; i < 4; ++i) p[1 + i] = static_cast<char>(len >> (8 * i));
}

}  // namespace

const char* CodecName(Codec c) { return c == Codec::kZstd ? "zstd" : "lz4"; }

bool ParseCodec(std::string_view name, Codec* out) {
  if (name.size() == 3 && strncasecmp(name.data(), "lz4", 3) == 0) {
    *out = Codec::kLz4;
  } else if (name.size() == 4 && strncasecmp(name.data(), "zstd", 4) == 0) {
    *out = Codec::kZstd;
  } else {
    return false;
  }
  return true;
}

size_t CompressedOriginalLength(std::string_view stored) {
  if (stored.size() < kCompressedHeaderSize) return 0;
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i) {
    len |= static_cast<uint32_t>(static_cast<uint8_t>(stored[1 + i])) << (8 * i);
  }
  return len;
}

bool CompressValue(std::string_view raw, Codec codec, std::string* out) {
  // LZ4 takes int sizes; larger values are stored raw.
  if (raw.empty() || raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return false;
  size_t limit = raw.size() - raw.size() / 8;  // the stored form must be at most this long
  if (limit <= kCompressedHeaderSize) return false;
  size_t room = limit - kCompressedHeaderSize;
  out->clear();
  // Room for the codec's worst case, so it never fails for lack of space; the size test is after.
  size_t bound = codec == Codec::kZstd
                     ? ZSTD_compressBound(raw.size())
                     : static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw.size())));
  out->resize(kCompressedHeaderSize + bound);
  char* dst = out->data() + kCompressedHeaderSize;
  size_t written;
  if (codec == Codec::kZstd) {
    written = ZSTD_compressCCtx(Zstd().cctx, dst, bound, raw.data(), raw.size(), kZstdLevel);
    if (ZSTD_isError(written)) return false;
  } else {
    int n = LZ4_compress_default(raw.data(), dst, static_cast<int>(raw.size()),
                                 static_cast<int>(bound));
    if (n <= 0) return false;
    written = static_cast<size_t>(n);
  }
  if (written > room) return false;
  out->resize(kCompressedHeaderSize + written);
  WriteHeader(out->data(), codec, static_cast<uint32_t>(raw.size()));
  return true;
}

bool DecompressValue(std::string_view stored, std::string* out) {
  out->clear();
  if (stored.size() < kCompressedHeaderSize) return false;
  size_t len = CompressedOriginalLength(stored);
  auto codec = static_cast<Codec>(stored[0]);
  const char* src = stored.data() + kCompressedHeaderSize;
  size_t src_len = stored.size() - kCompressedHeaderSize;
  out->resize(len);
  bool ok = false;
  if (codec == Codec::kLz4) {
    ok = src_len <= static_cast<size_t>(std::numeric_limits<int>::max()) &&
         len <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE) &&
         LZ4_decompress_safe(src, out->data(), static_cast<int>(src_len), static_cast<int>(len)) ==
             static_cast<int>(len);
  } else if (codec == Codec::kZstd) {
    size_t n = ZSTD_decompressDCtx(Zstd().dctx, out->data(), len, src, src_len);
    ok = !ZSTD_isError(n) && n == len;
  }
  if (!ok) out->clear();
  return ok;
}

}  // namespace cachet
