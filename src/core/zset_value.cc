// ZSetValue: listpack and skiplist encodings, range parsing and Redis's range walks.
#include "core/zset_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/hash.h"
#include "core/varint.h"

namespace cachet {
namespace {

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
  for (int i = 0; i < 8; ++i) {
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
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
  std::vector<Item> items;
  items.reserve(count);
  size_t longest = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(data, &pos, &len) || len > data.size() - pos || data.size() - pos - len < 8) {
      return nullptr;
    }
    double score = DecodeScore(data.substr(pos + len, 8));
    if (std::isnan(score)) return nullptr;
    items.push_back({data.substr(pos, len), score});
    longest = std::max<size_t>(longest, len);
    pos += len + 8;
  }
  if (pos != data.size()) return nullptr;
  // As Redis loads a sorted set: a skiplist when it does not fit a listpack, else a listpack.
  auto z = std::make_unique<ZSetValue>();
  z->PrepareFor(items.size(), longest, limits);
  for (const Item& it : items) {
    double ignored;
    if (z->Add(it.member, it.score, 0, limits, &ignored) != AddResult::kAdded) {
      return nullptr;  // damaged: a duplicate member
    }
  }
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

std::string ZSetValue::ScanScoreText(double score) const {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[64];
  // Redis's d2string prints integral listpack scores within +-2^62 as integers.
  constexpr double kLimit = 4611686018427387904.0;  // 2^62
  if (list_ == nullptr && score >= -kLimit && score <= kLimit &&
      score == static_cast<double>(static_cast<int64_t>(score))) {
    snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(score));
  } else {
    snprintf(buf, sizeof(buf), "%.17g", score);
  }
  return buf;
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

}  // namespace cachet
