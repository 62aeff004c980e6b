// InvalidationWorker: one thread draining a queue of invalidation jobs.
#include "commands/invalidation_worker.h"

namespace cachet {

InvalidationWorker::InvalidationWorker() : thread_([this] { Run(); }) {}

InvalidationWorker::~InvalidationWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void InvalidationWorker::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void InvalidationWorker::Run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace cachet
