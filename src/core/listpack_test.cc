// Listpack tests: insert/erase/replace at every position against a std::vector model, long
// elements (multi-byte length headers), copies and moves, aliasing input, and buffer sizing.
#include "core/listpack.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace cachet {
namespace {

std::vector<std::string> Elements(const Listpack& lp) {
  std::vector<std::string> out;
  lp.ForEach([&](std::string_view s) {
    out.emplace_back(s);
    return true;
  });
  return out;
}

size_t OffsetOf(const Listpack& lp, size_t index) {
  size_t pos = lp.begin();
  for (size_t i = 0; i < index; ++i) lp.At(pos, &pos);
  return pos;
}

TEST(ListpackTest, EmptyHasNoBuffer) {
  Listpack lp;
  EXPECT_TRUE(lp.empty());
  EXPECT_EQ(lp.MemoryBytes(), 0u);
  EXPECT_EQ(lp.begin(), lp.end());
}

TEST(ListpackTest, RandomEditsMatchModel) {
  std::mt19937 rng(7);
  Listpack lp;
  std::vector<std::string> model;
  for (int step = 0; step < 4000; ++step) {
    size_t len = rng() % 4 == 0 ? rng() % 300 : rng() % 12;  // some need a 2-byte header
    std::string s(len, static_cast<char>('a' + step % 26));
    int op = static_cast<int>(rng() % 4);
    if (op <= 1 || model.empty()) {
      size_t i = model.empty() ? 0 : rng() % (model.size() + 1);
      if (i == model.size() && op == 0) {
        lp.PushBack(s);
      } else {
        lp.Insert(OffsetOf(lp, i), s);
      }
      model.insert(model.begin() + static_cast<long>(i), s);
    } else if (op == 2) {
      size_t i = rng() % model.size();
      size_t n = 1 + rng() % std::min<size_t>(3, model.size() - i);
      lp.Erase(OffsetOf(lp, i), n);
      model.erase(model.begin() + static_cast<long>(i), model.begin() + static_cast<long>(i + n));
    } else {
      size_t i = rng() % model.size();
      lp.Replace(OffsetOf(lp, i), s);
      model[i] = s;
    }
    ASSERT_EQ(lp.size(), model.size()) << "step " << step;
    if (step % 97 == 0) {
      ASSERT_EQ(Elements(lp), model) << "step " << step;
    }
  }
  EXPECT_EQ(Elements(lp), model);
  EXPECT_GE(lp.MemoryBytes(), lp.end());
}

TEST(ListpackTest, CopyAndMoveAreIndependent) {
  Listpack a;
  a.PushBack("one");
  a.PushBack(std::string(200, 'x'));
  Listpack b = a;
  b.PushFront("zero");
  EXPECT_EQ(Elements(a), (std::vector<std::string>{"one", std::string(200, 'x')}));
  EXPECT_EQ(Elements(b), (std::vector<std::string>{"zero", "one", std::string(200, 'x')}));
  Listpack c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(c.size(), 3u);
  a = c;
  EXPECT_EQ(Elements(a), Elements(c));
  a = std::move(c);
  EXPECT_EQ(a.size(), 3u);
  Listpack empty;
  a = empty;
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.end(), 0u);
}

TEST(ListpackTest, InsertAndReplaceWithOwnElement) {
  Listpack lp;
  lp.PushBack("abcdef");
  for (int i = 0; i < 50; ++i) {  // forces reallocations while s points into the buffer
    size_t next;
    std::string_view first = lp.At(lp.begin(), &next);
    lp.PushBack(first);
  }
  EXPECT_EQ(lp.size(), 51u);
  size_t next;
  lp.At(lp.begin(), &next);
  std::string_view second = lp.At(next, &next);
  lp.Replace(lp.begin(), second);
  for (const std::string& s : Elements(lp)) EXPECT_EQ(s, "abcdef");
}

TEST(ListpackTest, SmallBufferIsSizedToContent) {
  Listpack lp;
  for (int i = 0; i < 10; ++i) lp.PushBack(i % 2 ? "00000001" : "f1");  // 5 field-value pairs
  EXPECT_EQ(lp.end(), 60u);
  // The allocator's usable size: its size class (64 with jemalloc), no doubling slack.
  EXPECT_LT(lp.MemoryBytes(), lp.end() + 16);
  lp.Erase(lp.begin(), 10);
  EXPECT_TRUE(lp.empty());
  lp.ShrinkToFit();
  EXPECT_EQ(lp.MemoryBytes(), 0u);
}

}  // namespace
}  // namespace cachet
