#include "server/streaming_validation.hpp"

#include <algorithm>
#include <memory>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

namespace imgsh::server {

namespace {
// How often a waiting decoder looks at the pool's cancel flag (shutdown).
constexpr std::chrono::milliseconds kCancelPoll{200};
}  // namespace

StreamingValidation::StreamingValidation(std::chrono::steady_clock::duration stall_limit, const WorkerPool& pool)
    : stall_limit_(stall_limit), pool_(pool) {}

void StreamingValidation::grew(std::uint64_t size) {
  {
    std::lock_guard lock(mutex_);
    size_ = size;
  }
  grown_.notify_one();
}

void StreamingValidation::complete() {
  {
    std::lock_guard lock(mutex_);
    complete_ = true;
  }
  grown_.notify_one();
}

void StreamingValidation::abandon() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  grown_.notify_one();
}

std::optional<std::uint64_t> StreamingValidation::wait_beyond(std::uint64_t offset) {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + stall_limit_;
  while (true) {
    if (abandoned_ || pool_.cancelled()) return std::nullopt;
    if (size_ > offset || complete_) return size_;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;  // the body stalled: give up
    grown_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(kCancelPoll, deadline - now));
  }
}

void StreamingValidation::finish(std::exception_ptr error, proto::ImageCheck result) {
  std::function<void()> resume;
  {
    std::lock_guard lock(mutex_);
    done_ = true;
    error_ = std::move(error);
    result_ = std::move(result);
    resume = std::move(on_done_);
  }
  if (resume) resume();
}

asio::awaitable<proto::ImageCheck> StreamingValidation::verdict() {
  // As in image_validation.cpp: the initiation captures only trivially destructible
  // things (g++ 12 with asio 1.22 destroys it twice); `this` outlives the wait (the
  // upload holds it and awaits here).
  StreamingValidation* self = this;
  co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
      [self](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        std::function<void()> resume = [shared, executor] {
          asio::post(executor, [shared]() mutable { (*shared)(); });
        };
        std::unique_lock lock(self->mutex_);
        if (!self->done_) {
          self->on_done_ = std::move(resume);
          return;
        }
        lock.unlock();
        resume();
      },
      asio::use_awaitable);
  std::lock_guard lock(mutex_);
  if (error_) std::rethrow_exception(error_);
  co_return result_;
}

}  // namespace imgsh::server
