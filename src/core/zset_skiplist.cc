// ZSkiplist: node allocation, insertion and removal with span upkeep, rank queries.
#include "core/zset_skiplist.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace cachet {
namespace {

// Seeds differ per skiplist so that heights are not correlated between sets.
uint64_t NextSeed() {
  thread_local uint64_t seed = 0x9e3779b97f4a7c15ULL;
  seed += 0x9e3779b97f4a7c15ULL;
  uint64_t z = seed;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) | 1;
}

}  // namespace

ZSkiplist::ZSkiplist() : rng_(NextSeed()) {
  head_ = NewNode(kMaxHeight, 0, nullptr);
  for (int i = 0; i < kMaxHeight; ++i) head_->links()[i] = {nullptr, 0};
  head_->prev = nullptr;
}

ZSkiplist::~ZSkiplist() {
  Node* x = head_->links()[0].next;
  while (x != nullptr) {
    Node* next = x->links()[0].next;
    FreeNode(x);
    x = next;
  }
  FreeNode(head_);
}

ZSkiplist::Node* ZSkiplist::NewNode(uint32_t height, double score, Entry* entry) {
  void* p = malloc(sizeof(Node) + height * sizeof(Link));
  if (p == nullptr) throw std::bad_alloc();
  bytes_ += malloc_usable_size(p);
  Node* n = static_cast<Node*>(p);
  n->score = score;
  n->entry = entry;
  n->prev = nullptr;
  n->height = height;
  return n;
}

void ZSkiplist::FreeNode(Node* n) {
  bytes_ -= malloc_usable_size(n);
  free(n);
}

// Each level is kept with probability 1/4, as in Pugh's paper and Redis.
uint32_t ZSkiplist::RandomHeight() {
  uint32_t h = 1;
  while (h < kMaxHeight) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    if ((rng_ & 3) != 0) break;
    ++h;
  }
  return h;
}

ZSkiplist::Node* ZSkiplist::Insert(double score, Entry* entry) {
  Node* n = NewNode(RandomHeight(), score, entry);
  LinkNode(n);
  return n;
}

void ZSkiplist::LinkNode(Node* n) {
  Node* update[kMaxHeight];
  uint64_t rank[kMaxHeight];
  std::string_view member = n->member();
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    rank[i] = i == height_ - 1 ? 0 : rank[i + 1];
    while (x->links()[i].next != nullptr && Less(x->links()[i].next, n->score, member)) {
      rank[i] += x->links()[i].span;
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  int h = static_cast<int>(n->height);
  if (h > height_) {
    for (int i = height_; i < h; ++i) {
      rank[i] = 0;
      update[i] = head_;
      head_->links()[i].span = length_;
    }
    height_ = h;
  }
  for (int i = 0; i < h; ++i) {
    Link& before = update[i]->links()[i];
    n->links()[i].next = before.next;
    before.next = n;
    // `before` used to span to its old successor; n now takes the part after itself.
    n->links()[i].span = before.span - (rank[0] - rank[i]);
    before.span = rank[0] - rank[i] + 1;
  }
  for (int i = h; i < height_; ++i) ++update[i]->links()[i].span;
  n->prev = update[0] == head_ ? nullptr : update[0];
  if (n->links()[0].next != nullptr) {
    n->links()[0].next->prev = n;
  } else {
    tail_ = n;
  }
  ++length_;
}

ZSkiplist::Node* ZSkiplist::Seek(double score, std::string_view member, Node** update) const {
  Node* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && Less(x->links()[i].next, score, member)) {
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  return x->links()[0].next;
}

void ZSkiplist::Unlink(Node* x, Node** update) {
  for (int i = 0; i < height_; ++i) {
    Link& before = update[i]->links()[i];
    if (before.next == x) {
      before.span += x->links()[i].span - 1;
      before.next = x->links()[i].next;
    } else {
      --before.span;
    }
  }
  if (x->links()[0].next != nullptr) {
    x->links()[0].next->prev = x->prev;
  } else {
    tail_ = x->prev;
  }
  while (height_ > 1 && head_->links()[height_ - 1].next == nullptr) --height_;
  --length_;
}

bool ZSkiplist::Delete(double score, std::string_view member) {
  Node* update[kMaxHeight];
  Node* x = Seek(score, member, update);
  if (x == nullptr || x->score != score || x->member() != member) return false;
  Unlink(x, update);
  FreeNode(x);
  return true;
}

ZSkiplist::Node* ZSkiplist::UpdateScore(double score, std::string_view member, double new_score) {
  Node* update[kMaxHeight];
  Node* x = Seek(score, member, update);
  if (x == nullptr || x->score != score || x->member() != member) return nullptr;
  // Still strictly between its neighbours: the order does not change.
  Node* next = x->links()[0].next;
  if ((x->prev == nullptr || x->prev->score < new_score) &&
      (next == nullptr || next->score > new_score)) {
    x->score = new_score;
    return x;
  }
  Unlink(x, update);
  x->score = new_score;
  LinkNode(x);
  return x;
}

uint64_t ZSkiplist::Rank(double score, std::string_view member) const {
  const Node* x = head_;
  uint64_t traversed = 0;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && Less(x->links()[i].next, score, member)) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
    const Node* next = x->links()[i].next;
    if (next != nullptr && next->score == score && next->member() == member) {
      return traversed + x->links()[i].span;
    }
  }
  return 0;
}

ZSkiplist::Node* ZSkiplist::AtRank(uint64_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  const Node* x = head_;
  uint64_t traversed = 0;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next != nullptr && traversed + x->links()[i].span <= rank) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
    if (traversed == rank) return const_cast<Node*>(x);
  }
  return nullptr;
}

}  // namespace cachet
