// ListValue: the node chain (pushes, pops, indexed access, insert, remove, trim), its node ring,
// memory estimate and snapshot format.
#include "core/list_value.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/varint.h"

namespace cachet {
namespace {

// Bytes an element of length len takes in a Listpack (varint header + data).
size_t EncodedLen(size_t len) {
  size_t n = 1 + len;
  for (size_t v = len; v >= 0x80; v >>= 7) ++n;
  return n;
}

}  // namespace

// ---- NodeRing ----

namespace {

// Empties a slot and frees its buffer. (Assigning an empty Listpack would not: a std::string
// keeps its heap buffer when a short string is move-assigned into it, so a slot reused later
// would report a stale capacity.)
void Release(Listpack& lp) {
  Listpack empty;
  std::swap(lp, empty);
}

}  // namespace

void ListValue::NodeRing::Resize(size_t capacity) {
  std::vector<Listpack> slots(capacity);
  for (size_t i = 0; i < count_; ++i) slots[i] = std::move((*this)[i]);
  slots_.swap(slots);
  head_ = 0;
}

void ListValue::NodeRing::MaybeShrink() {
  if (count_ == 0) {
    std::vector<Listpack>().swap(slots_);
    head_ = 0;
  } else if (slots_.size() >= 8 && count_ * 4 <= slots_.size()) {
    Resize(slots_.size() / 2);
  }
}

void ListValue::NodeRing::PushFront(Listpack lp) {
  if (count_ == slots_.size()) Resize(std::max<size_t>(1, slots_.size() * 2));
  head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
  slots_[head_] = std::move(lp);
  ++count_;
}

void ListValue::NodeRing::PushBack(Listpack lp) {
  if (count_ == slots_.size()) Resize(std::max<size_t>(1, slots_.size() * 2));
  slots_[(head_ + count_) & (slots_.size() - 1)] = std::move(lp);
  ++count_;
}

void ListValue::NodeRing::PopFront() {
  Release(slots_[head_]);
  head_ = (head_ + 1) & (slots_.size() - 1);
  --count_;
  MaybeShrink();
}

void ListValue::NodeRing::PopBack() {
  Release((*this)[count_ - 1]);
  --count_;
  MaybeShrink();
}

void ListValue::NodeRing::Insert(size_t i, Listpack lp) {
  PushBack(std::move(lp));
  for (size_t j = count_ - 1; j > i; --j) std::swap((*this)[j], (*this)[j - 1]);
}

void ListValue::NodeRing::Erase(size_t i) {
  for (size_t j = i; j + 1 < count_; ++j) std::swap((*this)[j], (*this)[j + 1]);
  PopBack();
}

// ---- Container interface ----

size_t ListValue::MemoryBytes() const {
  return sizeof(*this) + nodes_.capacity() * sizeof(Listpack) + bytes_;
}

std::unique_ptr<Container> ListValue::Clone() const {
  auto copy = std::make_unique<ListValue>();
  for (size_t i = 0; i < nodes_.size(); ++i) copy->nodes_.PushBack(nodes_[i]);
  copy->size_ = size_;
  copy->RecomputeBytes();
  return copy;
}

void ListValue::Serialize(std::string* out) const {
  PutVarint(out, size_);
  Walk(false, [&](std::string_view s) {
    PutVarint(out, s.size());
    out->append(s);
    return true;
  });
}

std::unique_ptr<ListValue> ListValue::Deserialize(std::string_view data) {
  size_t pos = 0;
  uint64_t count;
  if (!GetVarint(data, &pos, &count) || count == 0 || count > data.size()) return nullptr;
  auto list = std::make_unique<ListValue>();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len;
    if (!GetVarint(data, &pos, &len) || len > data.size() - pos) return nullptr;
    list->PushBack(data.substr(pos, len));
    pos += len;
  }
  if (pos != data.size()) return nullptr;
  return list;
}

// ---- helpers ----

bool ListValue::Fits(const Listpack& lp, std::string_view s) {
  return lp.empty() ||
         (lp.size() < kNodeMaxElements && lp.end() + EncodedLen(s.size()) <= kNodeMaxBytes);
}

size_t ListValue::OffsetOf(const Listpack& lp, size_t ordinal) {
  size_t pos = lp.begin();
  for (size_t k = 0; k < ordinal; ++k) lp.At(pos, &pos);
  return pos;
}

void ListValue::Locate(size_t index, size_t* node, size_t* offset) const {
  if (index < size_ / 2) {
    size_t i = 0;
    while (index >= nodes_[i].size()) index -= nodes_[i++].size();
    *node = i;
    *offset = OffsetOf(nodes_[i], index);
    return;
  }
  size_t from_tail = size_ - 1 - index;  // 0: the last element
  size_t i = nodes_.size() - 1;
  while (from_tail >= nodes_[i].size()) from_tail -= nodes_[i--].size();
  *node = i;
  *offset = OffsetOf(nodes_[i], nodes_[i].size() - 1 - from_tail);
}

void ListValue::Seal(Listpack& lp) {
  Charge(lp, false);
  lp.ShrinkToFit();
  Charge(lp, true);
}

void ListValue::Normalize(size_t i) {
  Listpack& lp = nodes_[i];
  if (lp.empty()) {
    Charge(lp, false);
    nodes_.Erase(i);
    return;
  }
  if (lp.size() == 1 || (lp.size() <= kNodeMaxElements && lp.end() <= kNodeMaxBytes)) return;
  // Split into two halves by count; each half is normalised again (a huge element ends alone).
  size_t half = lp.size() / 2;
  size_t off = OffsetOf(lp, half);
  Listpack tail;
  for (size_t pos = off; pos < lp.end();) tail.PushBack(lp.At(pos, &pos));
  Charge(lp, false);
  lp.Erase(off, lp.size() - half);
  lp.ShrinkToFit();
  Charge(lp, true);
  tail.ShrinkToFit();
  Charge(tail, true);
  nodes_.Insert(i + 1, std::move(tail));
  Normalize(i + 1);
  Normalize(i);
}

void ListValue::Compact() {
  NodeRing out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Listpack& cur = nodes_[i];
    if (cur.empty()) continue;
    if (out.size() > 0) {
      Listpack& last = out.back();
      if (last.size() + cur.size() <= kNodeMaxElements && last.end() + cur.end() <= kNodeMaxBytes) {
        cur.ForEach([&](std::string_view s) {
          last.PushBack(s);
          return true;
        });
        continue;
      }
      last.ShrinkToFit();
    }
    out.PushBack(std::move(cur));
  }
  if (out.size() > 0) out.back().ShrinkToFit();
  nodes_ = std::move(out);
  RecomputeBytes();
}

void ListValue::RecomputeBytes() {
  bytes_ = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) bytes_ += nodes_[i].MemoryBytes();
}

bool ListValue::CheckInvariants() const {
  size_t total = 0, bytes = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Listpack& lp = nodes_[i];
    if (lp.empty()) return false;
    if (lp.size() > 1 && (lp.size() > kNodeMaxElements || lp.end() > kNodeMaxBytes)) return false;
    size_t walked = 0;
    lp.ForEach([&](std::string_view) { return ++walked > 0; });
    if (walked != lp.size()) return false;
    total += lp.size();
    bytes += lp.MemoryBytes();
  }
  return total == size_ && bytes == bytes_;
}

// ---- operations ----

void ListValue::PushFront(std::string_view s) {
  if (nodes_.size() == 0 || !Fits(nodes_.front(), s)) {
    if (nodes_.size() > 0) Seal(nodes_.front());
    nodes_.PushFront(Listpack());
    Charge(nodes_.front(), true);
  }
  Listpack& lp = nodes_.front();
  Charge(lp, false);
  lp.PushFront(s);
  Charge(lp, true);
  ++size_;
}

void ListValue::PushBack(std::string_view s) {
  if (nodes_.size() == 0 || !Fits(nodes_.back(), s)) {
    if (nodes_.size() > 0) Seal(nodes_.back());
    nodes_.PushBack(Listpack());
    Charge(nodes_.back(), true);
  }
  Listpack& lp = nodes_.back();
  Charge(lp, false);
  lp.PushBack(s);
  Charge(lp, true);
  ++size_;
}

std::string ListValue::PopFront() {
  Listpack& lp = nodes_.front();
  size_t next;
  std::string out(lp.At(lp.begin(), &next));
  Charge(lp, false);
  if (lp.size() == 1) {
    nodes_.PopFront();
  } else {
    lp.Erase(lp.begin(), 1);
    Charge(lp, true);
  }
  --size_;
  return out;
}

std::string ListValue::PopBack() {
  Listpack& lp = nodes_.back();
  size_t off = OffsetOf(lp, lp.size() - 1);
  size_t next;
  std::string out(lp.At(off, &next));
  Charge(lp, false);
  if (lp.size() == 1) {
    nodes_.PopBack();
  } else {
    lp.Erase(off, 1);
    Charge(lp, true);
  }
  --size_;
  return out;
}

void ListValue::PopFront(size_t n, std::vector<std::string>* out) {
  while (n > 0 && size_ > 0) {
    Listpack& lp = nodes_.front();
    size_t k = std::min(n, lp.size());
    size_t pos = lp.begin();
    for (size_t i = 0; i < k; ++i) out->emplace_back(lp.At(pos, &pos));
    Charge(lp, false);
    if (k == lp.size()) {
      nodes_.PopFront();
    } else {
      lp.Erase(lp.begin(), k);
      Charge(lp, true);
    }
    size_ -= k;
    n -= k;
  }
}

void ListValue::PopBack(size_t n, std::vector<std::string>* out) {
  std::vector<std::pair<size_t, std::string_view>> elements;  // (offset, element)
  while (n > 0 && size_ > 0) {
    Listpack& lp = nodes_.back();
    elements.clear();
    for (size_t pos = lp.begin(); pos < lp.end();) {
      size_t at = pos;
      std::string_view s = lp.At(pos, &pos);
      elements.emplace_back(at, s);
    }
    size_t k = std::min(n, elements.size());
    for (size_t j = 0; j < k; ++j) out->emplace_back(elements[elements.size() - 1 - j].second);
    Charge(lp, false);
    if (k == elements.size()) {
      nodes_.PopBack();
    } else {
      lp.Erase(elements[elements.size() - k].first, k);
      Charge(lp, true);
    }
    size_ -= k;
    n -= k;
  }
}

std::string_view ListValue::At(size_t index) const {
  size_t node, offset, next;
  Locate(index, &node, &offset);
  return nodes_[node].At(offset, &next);
}

void ListValue::Set(size_t index, std::string_view s) {
  size_t node, offset;
  Locate(index, &node, &offset);
  Listpack& lp = nodes_[node];
  Charge(lp, false);
  lp.Replace(offset, s);
  Charge(lp, true);
  Normalize(node);
}

bool ListValue::InsertAtPivot(std::string_view pivot, std::string_view s, bool after) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Listpack& lp = nodes_[i];
    for (size_t pos = lp.begin(); pos < lp.end();) {
      size_t next;
      if (lp.At(pos, &next) == pivot) {
        Charge(lp, false);
        lp.Insert(after ? next : pos, s);
        Charge(lp, true);
        ++size_;
        Normalize(i);
        return true;
      }
      pos = next;
    }
  }
  return false;
}

size_t ListValue::Remove(std::string_view s, size_t limit, bool from_tail) {
  size_t removed = 0;
  std::vector<size_t> matches;  // ordinals of equal elements in the current node
  auto process = [&](size_t i) {
    Listpack& lp = nodes_[i];
    matches.clear();
    size_t ord = 0;
    lp.ForEach([&](std::string_view e) {
      if (e == s) matches.push_back(ord);
      ++ord;
      return true;
    });
    if (matches.empty()) return;
    size_t take = limit == 0 ? matches.size() : std::min(limit - removed, matches.size());
    size_t first = from_tail ? matches.size() - take : 0;  // matches[first, first + take) go
    Listpack kept;
    size_t k = first;
    ord = 0;
    lp.ForEach([&](std::string_view e) {
      if (k < first + take && matches[k] == ord) {
        ++k;
      } else {
        kept.PushBack(e);
      }
      ++ord;
      return true;
    });
    Charge(lp, false);
    std::swap(lp, kept);
    Charge(lp, true);
    removed += take;
    size_ -= take;
  };
  // Emptied nodes stay until Compact(), so the loops never shift the ring.
  if (!from_tail) {
    for (size_t i = 0; i < nodes_.size() && (limit == 0 || removed < limit); ++i) process(i);
  } else {
    for (size_t i = nodes_.size(); i-- > 0 && (limit == 0 || removed < limit);) process(i);
  }
  if (removed > 0) Compact();
  return removed;
}

void ListValue::Trim(size_t front, size_t back) {
  front = std::min(front, size_);
  back = std::min(back, size_ - front);
  while (front > 0) {
    Listpack& lp = nodes_.front();
    size_t k = std::min(front, lp.size());
    Charge(lp, false);
    if (k == lp.size()) {
      nodes_.PopFront();
    } else {
      lp.Erase(lp.begin(), k);
      Charge(lp, true);
    }
    size_ -= k;
    front -= k;
  }
  while (back > 0) {
    Listpack& lp = nodes_.back();
    size_t k = std::min(back, lp.size());
    Charge(lp, false);
    if (k == lp.size()) {
      nodes_.PopBack();
    } else {
      lp.Erase(OffsetOf(lp, lp.size() - k), k);
      Charge(lp, true);
    }
    size_ -= k;
    back -= k;
  }
}

}  // namespace cachet
