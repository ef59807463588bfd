#include "server/image_validation.hpp"

#include <fcntl.h>

#include <functional>
#include <memory>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"

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

ImageValidator::ImageValidator(const ImageValidationOptions& options) : pool_(options.workers, options.max_queued) {}

ImageValidator::~ImageValidator() {
  cancel();
  join();
}

void ImageValidator::cancel() { pool_.cancel(); }
void ImageValidator::join() { pool_.join(); }

asio::awaitable<proto::ImageCheck> ImageValidator::check(int fd, std::string name, proto::ImageLimits limits) {
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
