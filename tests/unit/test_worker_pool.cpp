// The worker pool (server/worker_pool.hpp): a bounded queue that refuses
// rather than grows, cancellation seen by running jobs, every queued job run.
#include <atomic>
#include <chrono>
#include <future>
#include <latch>

#include <gtest/gtest.h>

#include "server/worker_pool.hpp"

namespace imgsh::server {
namespace {

TEST(WorkerPool, FullQueueRefusesWithoutRunningTheJob) {
  WorkerPool pool(1, 1);
  std::latch started(1), release(1);
  std::function<void()> blocker = [&] {
    started.count_down();
    release.wait();
  };
  ASSERT_TRUE(pool.try_submit(blocker));
  started.wait();  // the only worker is busy: the next job waits in the queue
  std::atomic<int> ran{0};
  std::function<void()> queued = [&] { ++ran; };
  ASSERT_TRUE(pool.try_submit(queued));
  std::function<void()> refused = [&] { ran += 100; };
  EXPECT_FALSE(pool.try_submit(refused));
  EXPECT_TRUE(static_cast<bool>(refused)) << "a refused job stays with its caller";
  release.count_down();
  pool.join();
  EXPECT_EQ(ran, 1);
}

TEST(WorkerPool, CancelIsSeenByARunningJobAndQueuedJobsStillRun) {
  WorkerPool pool(1, 4);
  std::latch started(1);
  std::promise<bool> saw_cancel;
  std::function<void()> long_job = [&] {
    started.count_down();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!pool.cancelled() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    saw_cancel.set_value(pool.cancelled());
  };
  std::atomic<int> after{0};
  std::function<void()> queued = [&] { after += pool.cancelled() ? 1 : 100; };
  ASSERT_TRUE(pool.try_submit(long_job));
  ASSERT_TRUE(pool.try_submit(queued));
  started.wait();
  pool.cancel();
  EXPECT_TRUE(saw_cancel.get_future().get());
  pool.join();
  EXPECT_EQ(after, 1) << "a job queued before the cancel runs (and sees it), so its waiters are answered";
}

TEST(WorkerPool, JoinedPoolRefusesNewWork) {
  WorkerPool pool(2, 4);
  pool.join();
  std::function<void()> job = [] {};
  EXPECT_FALSE(pool.try_submit(job));
}

}  // namespace
}  // namespace imgsh::server
