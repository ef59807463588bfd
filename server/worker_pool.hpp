#pragma once
// A small fixed set of threads for whole-file work (hashing now, image
// validation next), so an I/O thread never reads a whole file. The queue is
// bounded: a full queue refuses new work at once (the caller answers busy)
// rather than letting waiting work pile up without limit.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace imgsh::server {

class WorkerPool {
 public:
  // `name` (at most 15 bytes, the kernel's limit) labels the threads for top -H, ps -L
  // and the benches that split a server's CPU by thread (/proc/PID/task/TID/comm).
  WorkerPool(unsigned threads, std::size_t max_queued, const char* name = "imgsrv-worker");
  ~WorkerPool();  // cancel() and join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false (and `job` untouched) when max_queued jobs already
  // wait. Jobs queued before a cancel() still run: each sees cancelled()
  // and ends early, so whoever waits on it is always answered.
  bool try_submit(std::function<void()>& job);
  // Asks running jobs to stop (they poll cancelled() between chunks). Never blocks.
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Runs what is queued, then ends the threads. Idempotent.
  void join();

 private:
  void run();

  std::size_t max_queued_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace imgsh::server
