#include "server/worker_pool.hpp"

#include <pthread.h>

namespace imgsh::server {

WorkerPool::WorkerPool(unsigned threads, std::size_t max_queued, const char* name) : max_queued_(max_queued) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
    ::pthread_setname_np(threads_.back().native_handle(), name);  // ERANGE past 15 bytes: the name stays
  }
}

WorkerPool::~WorkerPool() {
  cancel();
  join();
}

bool WorkerPool::try_submit(std::function<void()>& job) {
  {
    std::lock_guard lock(mutex_);
    if (closing_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::join() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();  // jobs catch their own errors: they report them to their waiters
  }
}

}  // namespace imgsh::server
