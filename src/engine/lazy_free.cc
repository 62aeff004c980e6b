// Background freeing of flushed slices.
#include "engine/lazy_free.h"

#include "engine/slice_ops.h"

namespace cachet {

LazyFreer::LazyFreer() : thread_([this] { Run(); }) {}

LazyFreer::~LazyFreer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LazyFreer::Submit(std::vector<DbSlice> slices, uint64_t keys) {
  pending_keys_.fetch_add(keys);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(std::move(slices), keys);
  }
  cv_.notify_one();
}

void LazyFreer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ with nothing left
    auto job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    for (DbSlice& slice : job.first) FreeSliceEntries(slice);
    job.first.clear();
    pending_keys_.fetch_sub(job.second);
    lock.lock();
  }
}

}  // namespace cachet
