// ZSetValue's range operations: finding where a rank, score or lex range starts, counting it and
// removing it, in both encodings.
#include "core/zset_value.h"

namespace cachet {

// --- ranges ----------------------------------------------------------------------------------
//
// Listpacks are scanned the way Redis scans them (zzlFirstInRange and friends): a quick check of
// the two ends, then the first element (from the front, or from the back for the last one) that
// passes the near bound, which must also pass the far bound. With members of equal scores, or
// for score ranges, this is the usual interval; with mixed scores and lex ranges it is Redis's
// answer. Skiplists descend to the same element in O(log n).

void ZSetValue::SeekRank(size_t rank, Cursor* c) const {
  if (list_ == nullptr) {
    c->listpack = true;
    Decode(&c->items);
    c->index = static_cast<int64_t>(rank);
    return;
  }
  c->node = list_->AtRank(rank + 1);
}

void ZSetValue::SeekScore(const ZScoreRange& range, bool last, Cursor* c) const {
  if (list_ == nullptr) {
    c->listpack = true;
    Decode(&c->items);
    const std::vector<Item>& v = c->items;
    c->index = -1;
    if (range.Empty() || v.empty() || !range.AboveMin(v.back().score) ||
        !range.BelowMax(v.front().score)) {
      return;
    }
    int64_t n = static_cast<int64_t>(v.size());
    if (!last) {
      for (int64_t i = 0; i < n; ++i) {
        if (range.AboveMin(v[i].score)) {
          if (range.BelowMax(v[i].score)) c->index = i;
          return;
        }
      }
    } else {
      for (int64_t i = n - 1; i >= 0; --i) {
        if (range.BelowMax(v[i].score)) {
          if (range.AboveMin(v[i].score)) c->index = i;
          return;
        }
      }
    }
    return;
  }
  c->node = nullptr;
  if (range.Empty() || list_->size() == 0 || !range.AboveMin(list_->last()->score) ||
      !range.BelowMax(list_->first()->score)) {
    return;
  }
  uint64_t rank;
  if (!last) {
    const ZSkiplist::Node* n = list_->FirstNotBelow(
        [&](const ZSkiplist::Node* x) { return !range.AboveMin(x->score); }, &rank);
    if (n != nullptr && range.BelowMax(n->score)) c->node = n;
  } else {
    const ZSkiplist::Node* n = list_->LastWithin(
        [&](const ZSkiplist::Node* x) { return range.BelowMax(x->score); }, &rank);
    if (n != nullptr && range.AboveMin(n->score)) c->node = n;
  }
}

void ZSetValue::SeekLex(const ZLexRange& range, bool last, Cursor* c) const {
  if (list_ == nullptr) {
    c->listpack = true;
    Decode(&c->items);
    const std::vector<Item>& v = c->items;
    c->index = -1;
    if (range.Empty() || v.empty() || !range.AboveMin(v.back().member) ||
        !range.BelowMax(v.front().member)) {
      return;
    }
    int64_t n = static_cast<int64_t>(v.size());
    if (!last) {
      for (int64_t i = 0; i < n; ++i) {
        if (range.AboveMin(v[i].member)) {
          if (range.BelowMax(v[i].member)) c->index = i;
          return;
        }
      }
    } else {
      for (int64_t i = n - 1; i >= 0; --i) {
        if (range.BelowMax(v[i].member)) {
          if (range.AboveMin(v[i].member)) c->index = i;
          return;
        }
      }
    }
    return;
  }
  c->node = nullptr;
  if (range.Empty() || list_->size() == 0 || !range.AboveMin(list_->last()->member()) ||
      !range.BelowMax(list_->first()->member())) {
    return;
  }
  uint64_t rank;
  if (!last) {
    const ZSkiplist::Node* n = list_->FirstNotBelow(
        [&](const ZSkiplist::Node* x) { return !range.AboveMin(x->member()); }, &rank);
    if (n != nullptr && range.BelowMax(n->member())) c->node = n;
  } else {
    const ZSkiplist::Node* n = list_->LastWithin(
        [&](const ZSkiplist::Node* x) { return range.BelowMax(x->member()); }, &rank);
    if (n != nullptr && range.AboveMin(n->member())) c->node = n;
  }
}

size_t ZSetValue::CountByScore(const ZScoreRange& range) const {
  if (list_ == nullptr) {
    return RangeByScore(range, false, 0, -1, [](std::string_view, double) {});
  }
  // Ranks of the first and last element in range.
  uint64_t first_rank, last_rank;
  const ZSkiplist::Node* first = list_->FirstNotBelow(
      [&](const ZSkiplist::Node* x) { return !range.AboveMin(x->score); }, &first_rank);
  if (first == nullptr || !range.BelowMax(first->score) || range.Empty()) return 0;
  list_->LastWithin([&](const ZSkiplist::Node* x) { return range.BelowMax(x->score); }, &last_rank);
  return last_rank >= first_rank ? last_rank - first_rank + 1 : 0;
}

size_t ZSetValue::CountByLex(const ZLexRange& range) const {
  if (list_ == nullptr) {
    return RangeByLex(range, false, 0, -1, [](std::string_view, double) {});
  }
  Cursor first, last;
  SeekLex(range, false, &first);
  if (first.node == nullptr) return 0;
  SeekLex(range, true, &last);
  if (last.node == nullptr) return 0;
  uint64_t a = list_->Rank(first.node->score, first.node->member());
  uint64_t b = list_->Rank(last.node->score, last.node->member());
  return b >= a ? b - a + 1 : 0;
}

size_t ZSetValue::RemoveRangeByRank(size_t start, size_t end) {
  if (list_ == nullptr) {
    lp_.Erase(LpOffsetOfIndex(start), (end - start + 1) * 2);
    return end - start + 1;
  }
  return SlRemoveRanks(start + 1, end + 1);
}

size_t ZSetValue::RemoveRangeByScore(const ZScoreRange& range) {
  if (list_ == nullptr) {
    Cursor c;
    SeekScore(range, false, &c);
    if (!c.Valid()) return 0;
    size_t start = static_cast<size_t>(c.index);
    size_t n = Walk(
        &c, false, 0, -1, [&](const Item& it) { return range.BelowMax(it.score); },
        [](std::string_view, double) {});
    return RemoveRangeByRank(start, start + n - 1);
  }
  // Redis's skiplist removal descends to the first element >= min without the ends check.
  uint64_t rank;
  const ZSkiplist::Node* n = list_->FirstNotBelow(
      [&](const ZSkiplist::Node* x) { return !range.AboveMin(x->score); }, &rank);
  uint64_t count = 0;
  for (; n != nullptr && range.BelowMax(n->score); n = n->next()) ++count;
  return count == 0 ? 0 : SlRemoveRanks(rank, rank + count - 1);
}

size_t ZSetValue::RemoveRangeByLex(const ZLexRange& range) {
  if (list_ == nullptr) {
    Cursor c;
    SeekLex(range, false, &c);
    if (!c.Valid()) return 0;
    size_t start = static_cast<size_t>(c.index);
    size_t n = Walk(
        &c, false, 0, -1, [&](const Item& it) { return range.BelowMax(it.member); },
        [](std::string_view, double) {});
    return RemoveRangeByRank(start, start + n - 1);
  }
  uint64_t rank;
  const ZSkiplist::Node* n = list_->FirstNotBelow(
      [&](const ZSkiplist::Node* x) { return !range.AboveMin(x->member()); }, &rank);
  uint64_t count = 0;
  for (; n != nullptr && range.BelowMax(n->member()); n = n->next()) ++count;
  return count == 0 ? 0 : SlRemoveRanks(rank, rank + count - 1);
}

}  // namespace cachet
