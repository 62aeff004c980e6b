// ZSetValue: listpack and skiplist encodings, range parsing and Redis's range walks.
#include "core/zset_value.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "base/hash.h"

namespace cachet {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view s, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Redis compares lex bounds with sdscmplex: "-" and "+" are below and above every string.
int CompareBounds(const ZLexBound& a, const ZLexBound& b) {
  if (a.kind != ZLexBound::kValue && a.kind == b.kind) return 0;
  if (a.kind == ZLexBound::kMinusInf || b.kind == ZLexBound::kPlusInf) return -1;
  if (a.kind == ZLexBound::kPlusInf || b.kind == ZLexBound::kMinusInf) return 1;
  return a.value.compare(b.value);
}

// How a member compares with a bound (never equal to an infinite one).
int CompareWithBound(std::string_view member, const ZLexBound& b) {
  if (b.kind == ZLexBound::kMinusInf) return 1;
  if (b.kind == ZLexBound::kPlusInf) return -1;
  return member.compare(b.value);
}

// One ZRANGEBYSCORE bound: strtod over the C string (Redis reads the argument up to its first
// NUL), an optional '(' for an open end, NaN refused. Leading spaces and out-of-range values are
// accepted, as Redis accepts them here.
bool ParseScoreBound(std::string_view arg, double* value, bool* exclusive) {
  std::string text(arg.data(), strnlen(arg.data(), arg.size()));
  const char* start = text.c_str();
  *exclusive = false;
  if (start[0] == '(') {
    *exclusive = true;
    ++start;
  }
  char* end = nullptr;
  *value = strtod(start, &end);
  return *end == '\0' && !std::isnan(*value);
}

bool ParseLexBound(std::string_view arg, ZLexBound* out) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      // Redis checks the character after the sign as a C string.
      if (arg.size() > 1 && arg[1] != '\0') return false;
      out->kind = arg[0] == '+' ? ZLexBound::kPlusInf : ZLexBound::kMinusInf;
      out->exclusive = true;
      return true;
    case '(':
    case '[':
      out->kind = ZLexBound::kValue;
      out->exclusive = arg[0] == '(';
      out->value = arg.substr(1);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ZLexRange::AboveMin(std::string_view member) const {
  int cmp = CompareWithBound(member, min);
  return min.exclusive ? cmp > 0 : cmp >= 0;
}

bool ZLexRange::BelowMax(std::string_view member) const {
  int cmp = CompareWithBound(member, max);
  return max.exclusive ? cmp < 0 : cmp <= 0;
}

bool ZLexRange::Empty() const {
  int cmp = CompareBounds(min, max);
  return cmp > 0 || (cmp == 0 && (min.exclusive || max.exclusive));
}

bool ParseZScoreRange(std::string_view min, std::string_view max, ZScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->min_exclusive) &&
         ParseScoreBound(max, &out->max, &out->max_exclusive);
}

bool ParseZLexRange(std::string_view min, std::string_view max, ZLexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

// ---------------------------------------------------------------------------------------------

ZSetValue::~ZSetValue() {
  list_.reset();
  if (table_) table_->Clear([](Entry* e) { Entry::Destroy(e); });
}

Encoding ZSetValue::encoding() const { return list_ ? Encoding::kSkiplist : Encoding::kListpack; }

size_t ZSetValue::Size() const { return list_ ? list_->size() : lp_.size() / 2; }

size_t ZSetValue::MemoryBytes() const {
  size_t bytes = sizeof(*this) + lp_.MemoryBytes();
  if (list_) {
    bytes += sizeof(KeyTable) + table_->MemoryBytes() + entry_bytes_ + sizeof(ZSkiplist) +
             list_->MemoryBytes();
  }
  return bytes;
}

std::string ZSetValue::ScoreBytes(double score) {
  uint64_t bits;
  memcpy(&bits, &score, sizeof(bits));
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(bits >> (8 * i));
  return out;
}

double ZSetValue::DecodeScore(std::string_view bytes) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i)
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  double score;
  memcpy(&score, &bits, sizeof(score));
  return score;
}

double ZSetValue::ScoreOf(const Entry* e) { return DecodeScore(e->value()); }

std::unique_ptr<Container> ZSetValue::Clone() const {
  auto copy = std::make_unique<ZSetValue>();
  copy->lp_ = lp_;
  if (list_) {
    copy->table_ = std::make_unique<KeyTable>();
    copy->list_ = std::make_unique<ZSkiplist>();
    // From the highest down: every insertion lands at the front.
    for (const ZSkiplist::Node* n = list_->last(); n != nullptr; n = n->prev) {
      copy->SlInsert(n->member(), n->score);
    }
  }
  return copy;
}

void ZSetValue::Serialize(std::string* out) const {
  PutVarint(out, Size());
  ForEach([&](std::string_view member, double score) {
    PutVarint(out, member.size());
    out->append(member);
    out->append(ScoreBytes(score));
  });
}

std::unique_ptr<ZSetValue> ZSetValue::Deserialize(std::string_view data,
                                                  const EncodingLimits& limits) {
  size_t pos = 0;
  uint64_t count;
  if (!GetVarint(data, &pos, &count) || count == 0 || count > data.size()) return nullptr;
  auto z = std::make_unique<ZSetValue>();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(data, &pos, &len) || len > data.size() - pos || data.size() - pos - len < 8) {
      return nullptr;
    }
    std::string_view member = data.substr(pos, len);
    double score = DecodeScore(data.substr(pos + len, 8));
    pos += len + 8;
    double ignored;
    if (std::isnan(score) || z->Add(member, score, 0, limits, &ignored) != AddResult::kAdded) {
      return nullptr;  // damaged: NaN or a duplicate member
    }
  }
  if (pos != data.size()) return nullptr;
  return z;
}

// --- listpack --------------------------------------------------------------------------------

void ZSetValue::Decode(std::vector<Item>* out) const {
  out->clear();
  out->reserve(lp_.size() / 2);
  ForEach([&](std::string_view member, double score) { out->push_back({member, score}); });
}

bool ZSetValue::LpFind(std::string_view member, size_t* offset, double* score) const {
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t score_pos, next;
    std::string_view m = lp_.At(pos, &score_pos);
    std::string_view s = lp_.At(score_pos, &next);
    if (m == member) {
      *offset = pos;
      *score = DecodeScore(s);
      return true;
    }
    pos = next;
  }
  return false;
}

void ZSetValue::LpInsert(std::string_view member, double score) {
  // Redis writes listpack scores as text, where -0 becomes "0".
  if (score == 0) score = 0;
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t score_pos, next;
    std::string_view m = lp_.At(pos, &score_pos);
    double s = DecodeScore(lp_.At(score_pos, &next));
    if (s > score || (s == score && m > member)) break;
    pos = next;
  }
  lp_.Insert(pos, member);
  size_t after;
  lp_.At(pos, &after);
  lp_.Insert(after, ScoreBytes(score));
}

size_t ZSetValue::LpOffsetOfIndex(size_t index) const {
  size_t pos = lp_.begin();
  for (size_t i = 0; i < index * 2 && pos < lp_.end(); ++i) lp_.At(pos, &pos);
  return pos;
}

// --- skiplist --------------------------------------------------------------------------------

void ZSetValue::ConvertToSkiplist() {
  table_ = std::make_unique<KeyTable>();
  list_ = std::make_unique<ZSkiplist>();
  size_t pos = lp_.begin();
  while (pos < lp_.end()) {
    size_t next;
    std::string_view member = lp_.At(pos, &next);
    double score = DecodeScore(lp_.At(next, &pos));
    SlInsert(member, score);
  }
  lp_.Clear();
}

void ZSetValue::SlInsert(std::string_view member, double score) {
  Entry* e = Entry::CreateWith(member, ScoreBytes(score), false);
  entry_bytes_ += e->AllocatedBytes();
  table_->Insert(e, HashKey(member));
  list_->Insert(score, e);
}

void ZSetValue::SlDestroyEntry(Entry* e) {
  entry_bytes_ -= e->AllocatedBytes();
  Entry::Destroy(e);
}

uint64_t ZSetValue::SlRemoveRanks(uint64_t first, uint64_t last) {
  return list_->DeleteRankRange(first, last, [&](ZSkiplist::Node* n) {
    Entry* e = n->entry;
    table_->Erase(table_->Find(e->key(), HashKey(e->key())));
    SlDestroyEntry(e);
  });
}

// --- point operations ------------------------------------------------------------------------

ZSetValue::AddResult ZSetValue::Add(std::string_view member, double score, int flags,
                                    const EncodingLimits& limits, double* result) {
  const bool nx = flags & kAddNx, xx = flags & kAddXx, gt = flags & kAddGt, lt = flags & kAddLt,
             incr = flags & kAddIncr;
  // Shared by both encodings once the current score is known.
  auto update = [&](double current, double* next) -> AddResult {
    if (nx) return AddResult::kSkipped;
    if (incr) {
      score += current;
      if (std::isnan(score)) return AddResult::kNaN;
    }
    if ((lt && score >= current) || (gt && score <= current)) return AddResult::kSkipped;
    *result = score;
    *next = score;
    return score != current ? AddResult::kUpdated : AddResult::kUnchanged;
  };

  if (list_ == nullptr) {
    size_t offset;
    double current;
    if (LpFind(member, &offset, &current)) {
      double next;
      AddResult r = update(current, &next);
      if (r == AddResult::kUpdated) {
        lp_.Erase(offset, 2);
        LpInsert(member, next);
      }
      return r;
    }
    if (xx) return AddResult::kSkipped;
    if (Size() + 1 <= limits.zset_max_listpack_entries &&
        member.size() <= limits.zset_max_listpack_value) {
      LpInsert(member, score);
      *result = score;
      return AddResult::kAdded;
    }
    ConvertToSkiplist();
  }

  KeyTable::Slot* slot = table_->Find(member, HashKey(member));
  if (slot != nullptr) {
    Entry* e = KeyTable::EntryAt(slot);
    double current = ScoreOf(e);
    double next;
    AddResult r = update(current, &next);
    if (r == AddResult::kUpdated) {
      list_->UpdateScore(current, member, next);
      std::string bytes = ScoreBytes(next);
      memcpy(e->mutable_value(), bytes.data(), bytes.size());
    }
    return r;
  }
  if (xx) return AddResult::kSkipped;
  SlInsert(member, score);
  *result = score;
  return AddResult::kAdded;
}

bool ZSetValue::Remove(std::string_view member) {
  if (list_ == nullptr) {
    size_t offset;
    double score;
    if (!LpFind(member, &offset, &score)) return false;
    lp_.Erase(offset, 2);
    return true;
  }
  KeyTable::Slot* slot = table_->Find(member, HashKey(member));
  if (slot == nullptr) return false;
  Entry* e = KeyTable::EntryAt(slot);
  table_->Erase(slot);
  list_->Delete(ScoreOf(e), member);
  SlDestroyEntry(e);
  return true;
}

void ZSetValue::PrepareFor(size_t count, size_t max_member_len, const EncodingLimits& limits) {
  if (list_ == nullptr && lp_.empty() &&
      (count > limits.zset_max_listpack_entries ||
       max_member_len > limits.zset_max_listpack_value)) {
    ConvertToSkiplist();
  }
}

std::optional<double> ZSetValue::Score(std::string_view member) const {
  if (list_ == nullptr) {
    size_t offset;
    double score;
    if (!LpFind(member, &offset, &score)) return std::nullopt;
    return score;
  }
  KeyTable::Slot* slot = table_->Find(member, HashKey(member));
  if (slot == nullptr) return std::nullopt;
  return ScoreOf(KeyTable::EntryAt(slot));
}

int64_t ZSetValue::Rank(std::string_view member, bool reverse) const {
  int64_t size = static_cast<int64_t>(Size());
  int64_t rank = -1;
  if (list_ == nullptr) {
    int64_t i = 0;
    size_t pos = lp_.begin();
    while (pos < lp_.end()) {
      size_t score_pos;
      if (lp_.At(pos, &score_pos) == member) {
        rank = i;
        break;
      }
      lp_.At(score_pos, &pos);
      ++i;
    }
  } else {
    KeyTable::Slot* slot = table_->Find(member, HashKey(member));
    if (slot != nullptr) {
      rank = static_cast<int64_t>(list_->Rank(ScoreOf(KeyTable::EntryAt(slot)), member)) - 1;
    }
  }
  if (rank < 0) return -1;
  return reverse ? size - 1 - rank : rank;
}

ZSetValue::Item ZSetValue::At(size_t rank) const {
  if (list_ == nullptr) {
    size_t score_pos, next;
    std::string_view member = lp_.At(LpOffsetOfIndex(rank), &score_pos);
    return {member, DecodeScore(lp_.At(score_pos, &next))};
  }
  const ZSkiplist::Node* n = list_->AtRank(rank + 1);
  return {n->member(), n->score};
}

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
