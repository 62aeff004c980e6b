// ZSkiplist: the ordered index of a large sorted set ("skiplist" encoding). Nodes are kept in
// (score, member) order; every forward link records how many level-0 steps it skips (its span),
// so a node's rank and the node at a rank are found in O(log n) expected time. Level 0 is also
// linked backwards for reverse walks.
//
// A node does not own its member: it points at the Entry (member as key, score as value) that
// the sorted set's member index holds, so the member bytes exist once. Freeing nodes never frees
// entries; ZSetValue owns both.
//
// Thread-safety: none; owned by one sorted set, used under its shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/entry.h"

namespace cachet {

class ZSkiplist {
 public:
  static constexpr int kMaxHeight = 32;

  struct Node;
  struct Link {
    Node* next;
    uint64_t span;  // level-0 steps from this node to `next` (to the end when next is null)
  };
  struct Node {
    double score;
    Entry* entry;  // member = entry->key()
    Node* prev;    // level-0 predecessor; nullptr for the first node
    uint32_t height;

    std::string_view member() const { return entry->key(); }
    Node* next() const { return links()[0].next; }
    Link* links() { return reinterpret_cast<Link*>(this + 1); }
    const Link* links() const { return reinterpret_cast<const Link*>(this + 1); }
  };

  ZSkiplist();
  ~ZSkiplist();
  ZSkiplist(const ZSkiplist&) = delete;
  ZSkiplist& operator=(const ZSkiplist&) = delete;

  size_t size() const { return length_; }
  Node* first() const { return head_->links()[0].next; }
  Node* last() const { return tail_; }
  // Bytes held by the nodes and the head.
  size_t MemoryBytes() const { return bytes_; }

  // Inserts entry (whose member must not be present) with score; returns its node.
  Node* Insert(double score, Entry* entry);
  // Unlinks and frees the node for (score, member); returns false when absent.
  bool Delete(double score, std::string_view member);
  // Moves the node for (score, member) to new_score; returns the node (the same one).
  Node* UpdateScore(double score, std::string_view member, double new_score);

  // 1-based rank of (score, member), 0 when absent.
  uint64_t Rank(double score, std::string_view member) const;
  // The node at 1-based rank (1..size()), nullptr when out of range.
  Node* AtRank(uint64_t rank) const;

  // The first node for which below(node) is false, assuming below() is true for a prefix of the
  // order; *rank receives its 1-based rank. nullptr when below() holds for every node.
  template <typename Below>
  Node* FirstNotBelow(Below&& below, uint64_t* rank) const;
  // The last node for which within(node) is true, assuming within() holds for a prefix of the
  // order; *rank receives its 1-based rank. nullptr when within() fails for the first node.
  template <typename Within>
  Node* LastWithin(Within&& within, uint64_t* rank) const;

  // Unlinks and frees the nodes of 1-based ranks [start, end], calling removed(node) before each
  // is freed (so the owner can release its entry). Returns how many were removed.
  template <typename F>
  uint64_t DeleteRankRange(uint64_t start, uint64_t end, F&& removed);

 private:
  static bool Less(const Node* n, double score, std::string_view member) {
    return n->score < score || (n->score == score && n->member() < member);
  }
  Node* NewNode(uint32_t height, double score, Entry* entry);
  void FreeNode(Node* n);
  uint32_t RandomHeight();
  // Links n (its score and entry set) at its place in the order.
  void LinkNode(Node* n);
  // Fills update[] with the last node before (score, member) on every level and returns the node
  // that follows it on level 0.
  Node* Seek(double score, std::string_view member, Node** update) const;
  void Unlink(Node* x, Node** update);

  Node* head_;
  Node* tail_ = nullptr;
  uint64_t length_ = 0;
  int height_ = 1;
  uint64_t rng_;
  size_t bytes_ = 0;
};

template <typename Below>
ZSkiplist::Node* ZSkiplist::FirstNotBelow(Below&& below, uint64_t* rank) const {
  const Node* x = head_;
  uint64_t traversed = 0;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && below(x->links()[i].next)) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
  }
  *rank = traversed + 1;
  return x->links()[0].next;
}

template <typename Within>
ZSkiplist::Node* ZSkiplist::LastWithin(Within&& within, uint64_t* rank) const {
  const Node* x = head_;
  uint64_t traversed = 0;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && within(x->links()[i].next)) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
  }
  *rank = traversed;
  return x == head_ ? nullptr : const_cast<Node*>(x);
}

template <typename F>
uint64_t ZSkiplist::DeleteRankRange(uint64_t start, uint64_t end, F&& removed) {
  Node* update[kMaxHeight];
  Node* x = head_;
  uint64_t traversed = 0;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && traversed + x->links()[i].span < start) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  ++traversed;
  x = x->links()[0].next;
  uint64_t count = 0;
  while (x != nullptr && traversed <= end) {
    Node* next = x->links()[0].next;
    Unlink(x, update);
    removed(x);
    FreeNode(x);
    ++count;
    ++traversed;
    x = next;
  }
  return count;
}

}  // namespace cachet
