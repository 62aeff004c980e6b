// ListValue tests: every operation against a std::deque model, node limits and splitting, the
// memory estimate, and the snapshot format.
#include "core/list_value.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/container_factory.h"

namespace cachet {
namespace {

std::vector<std::string> Elements(const ListValue& l) {
  std::vector<std::string> out;
  l.Walk(false, [&](std::string_view s) {
    out.emplace_back(s);
    return true;
  });
  return out;
}

std::vector<std::string> Model(const std::deque<std::string>& d) {
  return std::vector<std::string>(d.begin(), d.end());
}

TEST(ListValueTest, PushPopBothEnds) {
  ListValue l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.encoding(), Encoding::kQuicklist);
  EXPECT_EQ(l.type(), ValueType::kList);
  l.PushBack("b");
  l.PushFront("a");
  l.PushBack("c");
  EXPECT_EQ(Elements(l), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(l.Size(), 3u);
  EXPECT_EQ(l.PopBack(), "c");
  EXPECT_EQ(l.PopFront(), "a");
  EXPECT_EQ(l.PopFront(), "b");
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.NodeCount(), 0u);
  EXPECT_TRUE(l.CheckInvariants());
}

TEST(ListValueTest, PopManyKeepsPopOrder) {
  ListValue l;
  for (int i = 0; i < 1000; ++i) l.PushBack(std::to_string(i));
  std::vector<std::string> out;
  l.PopFront(3, &out);
  EXPECT_EQ(out, (std::vector<std::string>{"0", "1", "2"}));
  out.clear();
  l.PopBack(300, &out);
  ASSERT_EQ(out.size(), 300u);
  EXPECT_EQ(out.front(), "999");
  EXPECT_EQ(out.back(), "700");
  out.clear();
  l.PopFront(5000, &out);
  EXPECT_EQ(out.size(), 697u);
  EXPECT_TRUE(l.empty());
  EXPECT_TRUE(l.CheckInvariants());
}

TEST(ListValueTest, NodesRespectLimits) {
  ListValue l;
  for (int i = 0; i < 1000; ++i) l.PushBack("x");
  EXPECT_EQ(l.NodeCount(), (1000 + ListValue::kNodeMaxElements - 1) / ListValue::kNodeMaxElements);
  ListValue big;
  std::string large(3000, 'y');
  for (int i = 0; i < 10; ++i) big.PushFront(large);
  EXPECT_EQ(big.NodeCount(), 5u);          // two 3000-byte elements per 8 KB node
  big.PushBack(std::string(100000, 'z'));  // larger than a node: alone in its own
  big.PushBack("tail");
  EXPECT_EQ(big.NodeCount(), 7u);
  EXPECT_EQ(big.At(10).size(), 100000u);
  EXPECT_EQ(big.At(11), "tail");
  EXPECT_TRUE(l.CheckInvariants());
  EXPECT_TRUE(big.CheckInvariants());
}

TEST(ListValueTest, IndexSetInsertRemoveTrim) {
  ListValue l;
  for (const char* s : {"a", "b", "c", "b", "a"}) l.PushBack(s);
  EXPECT_EQ(l.At(0), "a");
  EXPECT_EQ(l.At(4), "a");
  EXPECT_EQ(l.At(3), "b");
  l.Set(2, "C");
  EXPECT_TRUE(l.InsertAtPivot("b", "x", false));
  EXPECT_TRUE(l.InsertAtPivot("a", "y", true));
  EXPECT_FALSE(l.InsertAtPivot("zz", "w", true));
  EXPECT_EQ(Elements(l), (std::vector<std::string>{"a", "y", "x", "b", "C", "b", "a"}));
  EXPECT_EQ(l.Remove("b", 1, true), 1u);
  EXPECT_EQ(Elements(l), (std::vector<std::string>{"a", "y", "x", "b", "C", "a"}));
  EXPECT_EQ(l.Remove("a", 0, false), 2u);
  EXPECT_EQ(l.Remove("nope", 0, false), 0u);
  l.Trim(1, 1);
  EXPECT_EQ(Elements(l), (std::vector<std::string>{"x", "b"}));
  l.Trim(5, 5);
  EXPECT_TRUE(l.empty());
  EXPECT_TRUE(l.CheckInvariants());
}

TEST(ListValueTest, SetWithHugeValueSplitsNode) {
  ListValue l;
  for (int i = 0; i < 100; ++i) l.PushBack("e" + std::to_string(i));
  EXPECT_EQ(l.NodeCount(), 1u);
  l.Set(50, std::string(20000, 'h'));
  EXPECT_GT(l.NodeCount(), 1u);
  EXPECT_EQ(l.At(50).size(), 20000u);
  EXPECT_EQ(l.At(51), "e51");
  EXPECT_EQ(l.At(49), "e49");
  EXPECT_TRUE(l.CheckInvariants());
}

TEST(ListValueTest, RemoveCompactsNodes) {
  ListValue l;
  for (int i = 0; i < 5000; ++i) l.PushBack(i % 10 == 0 ? "keep" : "drop");
  size_t before = l.NodeCount();
  EXPECT_EQ(l.Remove("drop", 0, false), 4500u);
  EXPECT_LT(l.NodeCount(), before / 5);
  EXPECT_EQ(l.Size(), 500u);
  EXPECT_TRUE(l.CheckInvariants());
}

TEST(ListValueTest, MemoryIsAFewBytesPerElement) {
  ListValue l;
  size_t empty = l.MemoryBytes();
  for (int i = 0; i < 100000; ++i) l.PushBack("0123456789");  // 10-byte elements
  double per = static_cast<double>(l.MemoryBytes() - empty) / 100000;
  EXPECT_LT(per, 10 + 4.0);
  EXPECT_TRUE(l.CheckInvariants());
  std::vector<std::string> out;
  l.PopFront(100000, &out);
  EXPECT_EQ(l.MemoryBytes(), empty);
}

TEST(ListValueTest, SerializeRoundTripAndClone) {
  ListValue l;
  l.PushBack("");
  l.PushBack(std::string("\0bin\xff", 5));
  l.PushBack(std::string(300, 'q'));
  for (int i = 0; i < 500; ++i) l.PushFront(std::to_string(i));
  std::string data;
  l.Serialize(&data);
  std::unique_ptr<Container> c = DeserializeContainer(ValueType::kList, data, EncodingLimits());
  ASSERT_NE(c, nullptr);
  auto* back = static_cast<ListValue*>(c.get());
  EXPECT_EQ(Elements(*back), Elements(l));
  EXPECT_TRUE(back->CheckInvariants());
  std::unique_ptr<Container> copy = l.Clone();
  EXPECT_EQ(Elements(*static_cast<ListValue*>(copy.get())), Elements(l));
  EXPECT_TRUE(static_cast<ListValue*>(copy.get())->CheckInvariants());

  EXPECT_EQ(ListValue::Deserialize(""), nullptr);
  EXPECT_EQ(ListValue::Deserialize(std::string(1, '\0')), nullptr);  // empty list
  EXPECT_EQ(ListValue::Deserialize(data.substr(0, data.size() - 1)), nullptr);
  EXPECT_EQ(ListValue::Deserialize(data + "x"), nullptr);
}

// Random operations checked against a std::deque after every step.
TEST(ListValueTest, RandomAgainstModel) {
  std::mt19937_64 rng(12345);
  auto value = [&]() -> std::string {
    switch (rng() % 8) {
      case 0:
        return std::string(rng() % 5000, 'L');
      case 1:
        return "";
      default:
        return std::string(1, static_cast<char>('a' + rng() % 4));
    }
  };
  for (int round = 0; round < 20; ++round) {
    ListValue l;
    std::deque<std::string> m;
    for (int step = 0; step < 3000; ++step) {
      int op = static_cast<int>(rng() % 12);
      if (op <= 2) {
        std::string v = value();
        if (rng() % 2) {
          l.PushFront(v);
          m.push_front(v);
        } else {
          l.PushBack(v);
          m.push_back(v);
        }
      } else if (op == 3 && !m.empty()) {
        if (rng() % 2) {
          ASSERT_EQ(l.PopFront(), m.front());
          m.pop_front();
        } else {
          ASSERT_EQ(l.PopBack(), m.back());
          m.pop_back();
        }
      } else if (op == 4) {
        size_t n = rng() % 200;
        std::vector<std::string> out;
        bool front = rng() % 2;
        if (front) {
          l.PopFront(n, &out);
        } else {
          l.PopBack(n, &out);
        }
        ASSERT_EQ(out.size(), std::min(n, out.size() + m.size() - out.size()));
        for (const std::string& s : out) {
          ASSERT_EQ(s, front ? m.front() : m.back());
          if (front) {
            m.pop_front();
          } else {
            m.pop_back();
          }
        }
      } else if (op == 5 && !m.empty()) {
        size_t i = rng() % m.size();
        ASSERT_EQ(l.At(i), m[i]);
        std::string v = value();
        l.Set(i, v);
        m[i] = v;
      } else if (op == 6) {
        std::string pivot = value(), v = value();
        bool after = rng() % 2;
        auto it = std::find(m.begin(), m.end(), pivot);
        ASSERT_EQ(l.InsertAtPivot(pivot, v, after), it != m.end());
        if (it != m.end()) m.insert(after ? it + 1 : it, v);
      } else if (op == 7) {
        std::string v = value();
        size_t limit = rng() % 4;
        bool tail = rng() % 2;
        size_t removed = 0;
        if (!tail) {
          for (auto it = m.begin(); it != m.end() && (limit == 0 || removed < limit);) {
            if (*it == v) {
              it = m.erase(it);
              ++removed;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t i = m.size(); i-- > 0 && (limit == 0 || removed < limit);) {
            if (m[i] == v) {
              m.erase(m.begin() + static_cast<std::ptrdiff_t>(i));
              ++removed;
            }
          }
        }
        ASSERT_EQ(l.Remove(v, limit, tail), removed);
      } else if (op == 8 && rng() % 10 == 0) {
        size_t front = rng() % 50, back = rng() % 50;
        l.Trim(front, back);
        for (size_t i = 0; i < front && !m.empty(); ++i) m.pop_front();
        for (size_t i = 0; i < back && !m.empty(); ++i) m.pop_back();
      } else if (op == 9 && !m.empty()) {
        size_t start = rng() % m.size();
        size_t count = rng() % (m.size() - start + 1);
        std::vector<std::string> got;
        l.ForRange(start, count, [&](std::string_view s) { got.emplace_back(s); });
        ASSERT_EQ(got,
                  std::vector<std::string>(m.begin() + static_cast<std::ptrdiff_t>(start),
                                           m.begin() + static_cast<std::ptrdiff_t>(start + count)));
      } else if (op == 10) {
        std::vector<std::string> rev;
        l.Walk(true, [&](std::string_view s) {
          rev.emplace_back(s);
          return true;
        });
        ASSERT_EQ(rev, std::vector<std::string>(m.rbegin(), m.rend()));
      }
      ASSERT_EQ(l.Size(), m.size());
      ASSERT_TRUE(l.CheckInvariants()) << "round " << round << " step " << step << " op " << op
                                       << " nodes " << l.NodeCount() << " size " << l.Size();
    }
    ASSERT_EQ(Elements(l), Model(m));
  }
}

}  // namespace
}  // namespace cachet
