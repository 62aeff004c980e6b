// notify-keyspace-events parsing and Redis's canonical printing.
#include "core/keyspace_flags.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

std::string Canonical(std::string_view text) {
  uint32_t flags = 0;
  EXPECT_TRUE(ParseKeyspaceEventFlags(text, &flags)) << text;
  return KeyspaceEventFlagsToString(flags);
}

TEST(KeyspaceFlagsTest, CanonicalStringsMatchRedis) {
  EXPECT_EQ(Canonical(""), "");
  EXPECT_EQ(Canonical("KEA"), "AKE");
  EXPECT_EQ(Canonical("Egn"), "gnE");
  EXPECT_EQ(Canonical("nd$tgxe"), "g$xetdn");
  EXPECT_EQ(Canonical("mEK"), "KEm");
  EXPECT_EQ(Canonical("g$lshzxetd"), "A");
  EXPECT_EQ(Canonical("An"), "A");  // Redis does not print 'n' after 'A'
  EXPECT_EQ(Canonical("KEAm"), "AKEm");
}

TEST(KeyspaceFlagsTest, BitsAndErrors) {
  uint32_t flags = 0;
  ASSERT_TRUE(ParseKeyspaceEventFlags("Kx", &flags));
  EXPECT_EQ(flags, kNotifyKeyspace | kNotifyExpired);
  ASSERT_TRUE(ParseKeyspaceEventFlags("A", &flags));
  EXPECT_EQ(flags & kNotifyNew, 0u);
  EXPECT_EQ(flags & kNotifyKeyMiss, 0u);
  flags = 7;
  EXPECT_FALSE(ParseKeyspaceEventFlags("KEZ", &flags));
  EXPECT_FALSE(ParseKeyspaceEventFlags("k", &flags));
  EXPECT_EQ(flags, 7u);  // unchanged on error
}

}  // namespace
}  // namespace cachet
