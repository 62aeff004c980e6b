// Tests for SecureRandomToken: length, alphabet and uniqueness.
#include "base/secure_random.h"

#include <gtest/gtest.h>

#include <set>

namespace cachet {
namespace {

TEST(SecureRandomTest, TokenHasBase64UrlAlphabetAndLength) {
  for (size_t n : {1u, 2u, 3u, 24u, 100u, 300u}) {
    std::string t = SecureRandomToken(n);
    EXPECT_EQ(t.size(), (n * 8 + 5) / 6) << n;
    for (char c : t) {
      EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    }
  }
}

TEST(SecureRandomTest, TokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(SecureRandomToken(24)).second);
}

TEST(SecureRandomTest, BytesAreNotAllTheSame) {
  unsigned char buf[64] = {};
  SecureRandomBytes(buf, sizeof(buf));
  std::set<unsigned char> distinct(buf, buf + sizeof(buf));
  EXPECT_GT(distinct.size(), 16u);  // 64 uniform bytes with <= 16 values: p < 1e-40
}

}  // namespace
}  // namespace cachet
