// ListValue: the value of a Redis list. Elements live in a chain of small Listpack nodes (at most
// kNodeMaxElements elements and about kNodeMaxBytes bytes each, as Redis's quicklist with
// list-max-listpack-size -2), held in a ring of nodes so that pushes and pops at both ends are
// O(1) amortised and a list costs a few bytes per element beyond its data. Indexed access walks
// nodes from the nearer end. OBJECT ENCODING reports "quicklist", as Redis 7.0 does for every list.
//
// The operations are plain C++ (no replies, no keyspace), so commands and blocking pops share them.
// Thread-safety: none (see Container).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/container.h"
#include "core/listpack.h"

namespace cachet {

class ListValue : public Container {
 public:
  static constexpr size_t kNodeMaxBytes = 8192;
  static constexpr size_t kNodeMaxElements = 128;

  ListValue() = default;

  ValueType type() const override { return ValueType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  size_t Size() const override { return size_; }
  size_t MemoryBytes() const override;
  std::unique_ptr<Container> Clone() const override;
  // count, then the elements head to tail (varint length + bytes).
  void Serialize(std::string* out) const override;
  // nullptr when data is malformed or holds no elements.
  static std::unique_ptr<ListValue> Deserialize(std::string_view data);

  bool empty() const { return size_ == 0; }

  void PushFront(std::string_view s);
  void PushBack(std::string_view s);
  // REQUIRES: !empty().
  std::string PopFront();
  std::string PopBack();
  // Remove up to n elements from that end, appending them to *out in the order they are popped
  // (for PopBack: the tail first).
  void PopFront(size_t n, std::vector<std::string>* out);
  void PopBack(size_t n, std::vector<std::string>* out);

  // REQUIRES: index < Size().
  std::string_view At(size_t index) const;
  void Set(size_t index, std::string_view s);

  // Inserts s before (or after) the first element equal to pivot, from the head. Returns false
  // (and changes nothing) when there is no such element.
  bool InsertAtPivot(std::string_view pivot, std::string_view s, bool after);
  // Removes elements equal to s, at most limit of them (0: all), scanning from the head or, with
  // from_tail, from the tail. Returns how many were removed.
  size_t Remove(std::string_view s, size_t limit, bool from_tail);
  // Removes front elements from the head and back elements from the tail (clamped to Size()).
  void Trim(size_t front, size_t back);

  // Calls f(string_view) for count elements starting at index start, head to tail.
  // REQUIRES: start + count <= Size().
  template <typename F>
  void ForRange(size_t start, size_t count, F&& f) const {
    if (count == 0) return;
    size_t node, offset;
    Locate(start, &node, &offset);
    for (; count > 0 && node < nodes_.size(); ++node, offset = 0) {
      const Listpack& lp = nodes_[node];
      while (count > 0 && offset < lp.end()) {
        size_t next;
        f(lp.At(offset, &next));
        offset = next;
        --count;
      }
    }
  }

  // Calls f(string_view) for each element, head to tail (or tail to head with reverse), until f
  // returns false.
  template <typename F>
  void Walk(bool reverse, F&& f) const {
    if (!reverse) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        bool go = true;
        nodes_[i].ForEach([&](std::string_view s) { return go = f(s); });
        if (!go) return;
      }
      return;
    }
    std::vector<std::string_view> views;
    for (size_t i = nodes_.size(); i-- > 0;) {
      views.clear();
      nodes_[i].ForEach([&](std::string_view s) {
        views.push_back(s);
        return true;
      });
      for (size_t j = views.size(); j-- > 0;) {
        if (!f(views[j])) return;
      }
    }
  }

  // For tests: the number of nodes, and whether the node invariants hold (every node non-empty
  // and within limits unless it holds a single element, counts and memory estimate consistent).
  size_t NodeCount() const { return nodes_.size(); }
  bool CheckInvariants() const;

 private:
  // A ring buffer of nodes: O(1) amortised push/pop at both ends, O(n) in the middle. Unlike
  // std::deque it allocates nothing while empty and only one slot for a one-node list.
  class NodeRing {
   public:
    size_t size() const { return count_; }
    size_t capacity() const { return slots_.size(); }
    Listpack& operator[](size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
    const Listpack& operator[](size_t i) const { return slots_[(head_ + i) & (slots_.size() - 1)]; }
    Listpack& front() { return (*this)[0]; }
    Listpack& back() { return (*this)[count_ - 1]; }
    void PushFront(Listpack lp);
    void PushBack(Listpack lp);
    void PopFront();
    void PopBack();
    void Insert(size_t i, Listpack lp);  // becomes node i
    void Erase(size_t i);

   private:
    void Resize(size_t capacity);
    void MaybeShrink();

    std::vector<Listpack> slots_;  // size is a power of two (or 0)
    size_t head_ = 0;
    size_t count_ = 0;
  };

  // Whether s can be added to lp without exceeding the node limits.
  static bool Fits(const Listpack& lp, std::string_view s);
  // Node holding element index and the byte offset of that element in it.
  void Locate(size_t index, size_t* node, size_t* offset) const;
  // Byte offset of the element at position ordinal within lp (lp.end() when ordinal == size).
  static size_t OffsetOf(const Listpack& lp, size_t ordinal);
  // After node i changed: removes it when empty, splits it while over the limits.
  void Normalize(size_t i);
  // Drops empty nodes and merges neighbours that fit together (after removals in the middle).
  void Compact();
  // Releases a node's spare capacity once it is full (only the end nodes keep slack).
  void Seal(Listpack& lp);
  void RecomputeBytes();
  void Charge(const Listpack& lp, bool add) {
    if (add) {
      bytes_ += lp.MemoryBytes();
    } else {
      bytes_ -= lp.MemoryBytes();
    }
  }

  NodeRing nodes_;
  size_t size_ = 0;
  size_t bytes_ = 0;  // sum of the nodes' MemoryBytes()
};

}  // namespace cachet
