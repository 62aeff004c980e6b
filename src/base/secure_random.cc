// getrandom(2) wrapper and base64url token encoding.
#include "base/secure_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace cachet {

void SecureRandomBytes(void* out, size_t n) {
  auto* p = static_cast<uint8_t*>(out);
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
