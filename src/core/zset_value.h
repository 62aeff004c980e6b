// ZSetValue: the value of a Redis sorted set, members ordered by (score, member bytes).
//
// Small sets are a Listpack of member, score pairs kept in that order (Redis's "listpack"
// encoding; the score is stored as its 8 IEEE-754 bytes). Past zset-max-listpack-entries members,
// or a member longer than zset-max-listpack-value bytes, the set converts for good to the
// "skiplist" encoding: a KeyTable of member entries (member as key, 8-byte score as value) for
// O(1) score lookups and ZSCAN cursors, plus a ZSkiplist over the same entries for ranks and
// ranges in O(log n).
//
// Range operations reproduce Redis 7.0 exactly, including its corner cases: a listpack stores
// -0 as 0, a negative LIMIT offset yields nothing, and lexicographic ranges over members with
// different scores follow Redis's scan order on listpacks.
//
// Thread-safety: none (see Container).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "core/key_table.h"
#include "core/listpack.h"
#include "core/zset_skiplist.h"

namespace cachet {

// A score interval as ZRANGEBYSCORE takes it ("(1.5", "-inf", "+inf").
struct ZScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;

  bool AboveMin(double v) const { return min_exclusive ? v > min : v >= min; }
  bool BelowMax(double v) const { return max_exclusive ? v < max : v <= max; }
  // True for intervals that can contain nothing (min > max, or min == max with an open end).
  bool Empty() const { return min > max || (min == max && (min_exclusive || max_exclusive)); }
};

// One end of a lexicographic interval: "-", "+", "[value" or "(value".
struct ZLexBound {
  enum Kind : uint8_t { kMinusInf, kValue, kPlusInf };
  Kind kind = kMinusInf;
  bool exclusive = false;
  std::string_view value;  // points into the command's argument
};

struct ZLexRange {
  ZLexBound min;
  ZLexBound max;

  bool AboveMin(std::string_view member) const;
  bool BelowMax(std::string_view member) const;
  bool Empty() const;
};

// Parse ZRANGEBYSCORE / ZRANGEBYLEX bounds as Redis does; false when invalid (the caller replies
// "min or max is not a float" / "min or max not valid string range item").
bool ParseZScoreRange(std::string_view min, std::string_view max, ZScoreRange* out);
bool ParseZLexRange(std::string_view min, std::string_view max, ZLexRange* out);

class ZSetValue : public Container {
 public:
  struct Item {
    std::string_view member;
    double score;
  };

  // ZADD options.
  enum AddFlag : int { kAddNx = 1, kAddXx = 2, kAddGt = 4, kAddLt = 8, kAddIncr = 16 };
  enum class AddResult {
    kAdded,      // new member
    kUpdated,    // score changed
    kUnchanged,  // member present with that score already (counts as processed)
    kSkipped,    // NX / XX / GT / LT prevented the change
    kNaN,        // INCR would produce NaN (inf + -inf); nothing changed
  };

  ZSetValue() = default;
  ~ZSetValue() override;

  ValueType type() const override { return ValueType::kZSet; }
  Encoding encoding() const override;
  size_t Size() const override;
  size_t MemoryBytes() const override;
  std::unique_ptr<Container> Clone() const override;
  // count, then (member length varint, member bytes, score as 8 little-endian IEEE bytes) in
  // ascending order.
  void Serialize(std::string* out) const override;
  static std::unique_ptr<ZSetValue> Deserialize(std::string_view data,
                                                const EncodingLimits& limits);

  // Adds or updates member following ZADD's flags; *result receives the member's score after
  // the call when it was processed (not kSkipped / kNaN).
  AddResult Add(std::string_view member, double score, int flags, const EncodingLimits& limits,
                double* result);
  bool Remove(std::string_view member);
  // For an empty set about to receive `count` members whose longest is `max_member_len` bytes:
  // picks the skiplist encoding now when they will not fit a listpack, as Redis builds the
  // results of ZUNIONSTORE and friends (which keeps a -0 score that a listpack would turn to 0).
  void PrepareFor(size_t count, size_t max_member_len, const EncodingLimits& limits);
  std::optional<double> Score(std::string_view member) const;
  // 0-based rank from the lowest (or, with reverse, the highest) score; -1 when absent.
  int64_t Rank(std::string_view member, bool reverse) const;
  // The element at 0-based rank (REQUIRES: rank < Size()).
  Item At(size_t rank) const;

  // Calls emit(member, score) for ranks [start, end] (0-based, ascending positions; REQUIRES
  // start <= end < Size()), from start upwards, or from end downwards with reverse.
  template <typename F>
  void RangeByRank(size_t start, size_t end, bool reverse, F&& emit) const;
  // ZRANGEBYSCORE / ZREVRANGEBYSCORE with LIMIT offset count (count < 0: no limit). Returns how
  // many elements were emitted.
  template <typename F>
  size_t RangeByScore(const ZScoreRange& range, bool reverse, int64_t offset, int64_t count,
                      F&& emit) const;
  template <typename F>
  size_t RangeByLex(const ZLexRange& range, bool reverse, int64_t offset, int64_t count,
                    F&& emit) const;
  size_t CountByScore(const ZScoreRange& range) const;
  size_t CountByLex(const ZLexRange& range) const;

  // Removals; each returns how many members were removed.
  size_t RemoveRangeByRank(size_t start, size_t end);  // 0-based, start <= end < Size()
  size_t RemoveRangeByScore(const ZScoreRange& range);
  size_t RemoveRangeByLex(const ZLexRange& range);

  // Calls f(member, score) in ascending order.
  template <typename F>
  void ForEach(F&& f) const;

  // The text ZSCAN shows for a score of this set. Redis returns listpack scores as stored there
  // (integral values up to 2^62 in plain digits, -0 as 0) and skiplist scores with %.17g.
  std::string ScanScoreText(double score) const;

  // ZSCAN: a listpack returns everything at once (next cursor 0), like Redis.
  template <typename F>
  uint64_t Scan(uint64_t cursor, size_t count, F&& f) const;

 private:
  // A position in ascending order for the range templates: an index into the decoded items of
  // a listpack, or a skiplist node.
  struct Cursor {
    std::vector<Item> items;
    int64_t index = -1;
    const ZSkiplist::Node* node = nullptr;
    bool listpack = false;

    bool Valid() const {
      return listpack ? index >= 0 && index < static_cast<int64_t>(items.size()) : node != nullptr;
    }
    Item Get() const { return listpack ? items[index] : Item{node->member(), node->score}; }
    void Step(bool reverse) {
      if (listpack) {
        index += reverse ? -1 : 1;
      } else {
        node = reverse ? node->prev : node->next();
      }
    }
  };

  static double ScoreOf(const Entry* e);
  static std::string ScoreBytes(double score);
  static double DecodeScore(std::string_view bytes);

  // Listpack helpers.
  void Decode(std::vector<Item>* out) const;
  // Offset of member in lp_ (and its score), or false.
  bool LpFind(std::string_view member, size_t* offset, double* score) const;
  void LpInsert(std::string_view member, double score);
  size_t LpOffsetOfIndex(size_t index) const;
  // Skiplist helpers.
  void ConvertToSkiplist();
  void SlInsert(std::string_view member, double score);
  void SlDestroyEntry(Entry* e);
  uint64_t SlRemoveRanks(uint64_t first, uint64_t last);  // 1-based, inclusive

  // Cursor at the first / last element of a range, positioned as Redis finds it.
  void SeekRank(size_t rank, Cursor* c) const;
  void SeekScore(const ZScoreRange& range, bool last, Cursor* c) const;
  void SeekLex(const ZLexRange& range, bool last, Cursor* c) const;

  template <typename InRange, typename F>
  static size_t Walk(Cursor* c, bool reverse, int64_t offset, int64_t count, InRange&& in_range,
                     F&& emit);

  Listpack lp_;                      // listpack: member, score, member, score...
  std::unique_ptr<KeyTable> table_;  // skiplist: member -> score entries
  std::unique_ptr<ZSkiplist> list_;  // skiplist: order over the same entries
  size_t entry_bytes_ = 0;           // allocated bytes of the entries in table_
};

template <typename InRange, typename F>
size_t ZSetValue::Walk(Cursor* c, bool reverse, int64_t offset, int64_t count, InRange&& in_range,
                       F&& emit) {
  // Redis steps over `offset` elements one by one; a negative offset never stops before the end.
  if (offset < 0) return 0;
  for (; offset > 0 && c->Valid(); --offset) c->Step(reverse);
  size_t emitted = 0;
  while (c->Valid() && (count < 0 || emitted < static_cast<uint64_t>(count))) {
    Item it = c->Get();
    if (!in_range(it)) break;
    emit(it.member, it.score);
    ++emitted;
    c->Step(reverse);
  }
  return emitted;
}

template <typename F>
void ZSetValue::RangeByRank(size_t start, size_t end, bool reverse, F&& emit) const {
  Cursor c;
  SeekRank(reverse ? end : start, &c);
  for (size_t n = end - start + 1; n > 0 && c.Valid(); --n) {
    Item it = c.Get();
    emit(it.member, it.score);
    c.Step(reverse);
  }
}

template <typename F>
size_t ZSetValue::RangeByScore(const ZScoreRange& range, bool reverse, int64_t offset,
                               int64_t count, F&& emit) const {
  Cursor c;
  SeekScore(range, reverse, &c);
  return Walk(
      &c, reverse, offset, count,
      [&](const Item& it) { return reverse ? range.AboveMin(it.score) : range.BelowMax(it.score); },
      emit);
}

template <typename F>
size_t ZSetValue::RangeByLex(const ZLexRange& range, bool reverse, int64_t offset, int64_t count,
                             F&& emit) const {
  Cursor c;
  SeekLex(range, reverse, &c);
  return Walk(
      &c, reverse, offset, count,
      [&](const Item& it) {
        return reverse ? range.AboveMin(it.member) : range.BelowMax(it.member);
      },
      emit);
}

template <typename F>
void ZSetValue::ForEach(F&& f) const {
  if (list_ == nullptr) {
    size_t pos = lp_.begin();
    while (pos < lp_.end()) {
      size_t next;
      std::string_view member = lp_.At(pos, &next);
      std::string_view score = lp_.At(next, &pos);
      f(member, DecodeScore(score));
    }
    return;
  }
  for (const ZSkiplist::Node* n = list_->first(); n != nullptr; n = n->next()) {
    f(n->member(), n->score);
  }
}

template <typename F>
uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, F&& f) const {
  if (list_ == nullptr) {
    ForEach(f);
    return 0;
  }
  return table_->Scan(cursor, count, [&](Entry* e) { f(e->key(), ScoreOf(e)); });
}

}  // namespace cachet
