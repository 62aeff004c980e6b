// NamespaceIndex: longest prefix wins, the empty prefix catches everything else, no match.
#include "core/namespace_index.h"

#include <gtest/gtest.h>

namespace cachet {
namespace {

NamespaceSpec Spec(std::string name, std::string prefix, int slot) {
  NamespaceSpec s;
  s.name = std::move(name);
  s.prefix = std::move(prefix);
  s.slot = slot;
  return s;
}

TEST(NamespaceIndexTest, LongestPrefixWins) {
  NamespaceIndex idx(
      {Spec("user", "user:", 0), Spec("vip", "user:vip:", 1), Spec("sess", "sess:", 2)});
  EXPECT_EQ(idx.Match("user:1")->name, "user");
  EXPECT_EQ(idx.Match("user:vip:7")->name, "vip");
  EXPECT_EQ(idx.Match("user:vi")->name, "user");
  EXPECT_EQ(idx.Match("sess:x")->slot, 2);
  EXPECT_EQ(idx.Match("user"), nullptr);
  EXPECT_EQ(idx.Match(""), nullptr);
  EXPECT_EQ(idx.Match("other"), nullptr);
  EXPECT_EQ(idx.Find("vip")->prefix, "user:vip:");
  EXPECT_EQ(idx.Find("nope"), nullptr);
}

TEST(NamespaceIndexTest, EmptyPrefixIsTheFallback) {
  NamespaceIndex idx({Spec("all", "", 0), Spec("a", "a", 1)});
  EXPECT_EQ(idx.Match("abc")->name, "a");
  EXPECT_EQ(idx.Match("xyz")->name, "all");
  EXPECT_EQ(idx.Match("")->name, "all");
  EXPECT_TRUE(NamespaceIndex({}).empty());
  EXPECT_EQ(NamespaceIndex({}).Match("k"), nullptr);
}

}  // namespace
}  // namespace cachet
