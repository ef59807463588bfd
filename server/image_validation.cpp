#include "server/image_validation.hpp"

#include <fcntl.h>

#include <functional>
#include <memory>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include "protocol/error_code.hpp"
#include "protocol/image_header.hpp"
#include "protocol/unique_fd.hpp"
#include "server/log_text.hpp"

namespace imgsh::server {

using proto::Errc;
using StoreError = proto::ProtocolError;

namespace {

// What one check needs on the worker: its own descriptor and copies of its inputs.
struct Job {
  UniqueFd fd;
  std::string name;
  proto::ImageLimits limits;
};

}  // namespace

ImageValidator::ImageValidator(const ImageValidationOptions& options)
    : pool_(options.workers, options.max_queued, "imgsrv-check"),
      streaming_workers_(options.streaming_workers),
      streaming_pool_(options.streaming_workers, options.streaming_workers, "imgsrv-stream") {
#ifdef IMGSH_BENCH_NO_VALIDATION
  spdlog::warn("built with IMGSH_BENCH_NO_VALIDATION: puts are stored without validation (benchmarks only)");
#endif
}

ImageValidator::~ImageValidator() {
  cancel();
  join();
}

void ImageValidator::cancel() {
  pool_.cancel();
  streaming_pool_.cancel();
}

void ImageValidator::join() {
  pool_.join();
  streaming_pool_.join();
}

std::shared_ptr<StreamingValidation> ImageValidator::check_while_written(int fd, std::string name,
                                                                         proto::ImageLimits limits,
                                                                         std::chrono::steady_clock::duration stall_limit) {
#ifdef IMGSH_BENCH_NO_VALIDATION
  return nullptr;
#endif
  // A slot first, so a streaming decode never waits in a queue while its body goes by.
  unsigned busy = streaming_busy_.load();
  do {
    if (busy >= streaming_workers_ || streaming_pool_.cancelled()) return nullptr;
  } while (!streaming_busy_.compare_exchange_weak(busy, busy + 1));
  auto job = std::make_shared<Job>();
  job->fd.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  job->name = std::move(name);
  job->limits = limits;
  auto state = std::make_shared<StreamingValidation>(stall_limit, streaming_pool_);
  std::function<void()> work = [this, job, state] {
    proto::ImageCheck result;
    std::exception_ptr error;
    try {
      result = proto::check_image_while_written(job->fd.get(), job->name, *state, job->limits);
    } catch (...) {
      error = std::current_exception();
    }
    // A shutdown stops the decoder's wait for bytes: that is no verdict on the image.
    if (streaming_pool_.cancelled() && (error || !result.ok())) {
      error = std::make_exception_ptr(StoreError(Errc::busy, job->name + ": the server is shutting down"));
    }
    // The slot is free before the verdict is logged: a put that starts after the line may have it.
    --streaming_busy_;
    if (!error) {
      spdlog::debug("validated while streaming: {}: {}", log_safe(job->name),
                    result.ok() ? std::string("ok") : log_safe(result.problem->message));
    }
    state->finish(error, std::move(result));
  };
  if (!job->fd || !streaming_pool_.try_submit(work)) {
    --streaming_busy_;
    return nullptr;
  }
  return state;
}

asio::awaitable<proto::ImageCheck> ImageValidator::check(int fd, std::string name, proto::ImageLimits limits) {
#ifdef IMGSH_BENCH_NO_VALIDATION
  // Benchmarks only (see the CMake option): no decode; the header's facts, for listings.
  proto::ImageCheck unchecked;
  if (auto facts = proto::read_image_header(fd, name, {})) unchecked.facts = *facts;
  co_return unchecked;
#endif
  auto job = std::make_shared<Job>();
  job->fd.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!job->fd) throw StoreError(Errc::internal, name + ": cannot duplicate a descriptor");
  job->name = std::move(name);
  job->limits = limits;
  // As in checksum_service.cpp: every capture of the initiation is trivially
  // destructible (g++ 12 with asio 1.22 destroys it twice); `job` lives in this frame,
  // suspended while the initiation runs, and the work holds its own shared_ptr.
  const std::shared_ptr<Job>* job_here = &job;
  WorkerPool* pool = &pool_;
  auto wait = asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, proto::ImageCheck)>(
      [job_here, pool](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        std::shared_ptr<Job> held = *job_here;
        auto answer = [shared, executor](std::exception_ptr error, proto::ImageCheck result) {
          asio::post(executor, [shared, error, result = std::move(result)]() mutable {
            (*shared)(error, std::move(result));
          });
        };
        std::function<void()> work = [held, pool, answer] {
          if (pool->cancelled()) {
            answer(std::make_exception_ptr(StoreError(Errc::busy, held->name + ": the server is shutting down")), {});
            return;
          }
          try {
            answer(nullptr, proto::check_image_file(held->fd.get(), held->name, held->limits));
          } catch (...) {
            answer(std::current_exception(), {});
          }
        };
        if (!pool->try_submit(work)) {
          answer(std::make_exception_ptr(
                     StoreError(Errc::busy, held->name + ": too many uploads are being checked; try again")),
                 {});
        }
      },
      asio::use_awaitable);
  proto::ImageCheck result = co_await std::move(wait);
  co_return result;
}

}  // namespace imgsh::server
