// getrandom(2) wrapper and base64url token encoding.
#include "base/secure_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cachet {

namespace {

void Fill(uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::perror("getrandom");
      std::abort();
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
}

// Kernel randomness fetched a page at a time per thread (one system call per ~170 session ids
// instead of one each). Bytes are handed out once and never reused.
struct RandomPool {
  uint8_t bytes[4096];
  size_t used = sizeof(bytes);
};

}  // namespace

void SecureRandomBytes(void* out, size_t n) {
  thread_local RandomPool pool;
  auto* p = static_cast<uint8_t*>(out);
  if (n > sizeof(pool.bytes) / 4) {
    Fill(p, n);
    return;
  }
  if (sizeof(pool.bytes) - pool.used < n) {
    Fill(pool.bytes, sizeof(pool.bytes));
    pool.used = 0;
  }
  std::memcpy(p, pool.bytes + pool.used, n);
  std::memset(pool.bytes + pool.used, 0, n);  // what was handed out does not linger
  pool.used += n;
}

std::string SecureRandomToken(size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t buf[96];
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  while (n > 0) {
    size_t chunk = n < sizeof(buf) ? n : sizeof(buf);
    SecureRandomBytes(buf, chunk);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < chunk; ++i) {
      acc = (acc << 8) | buf[i];
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out.push_back(kAlphabet[(acc >> bits) & 63]);
      }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
    n -= chunk;
  }
  return out;
}

}  // namespace cachet
