#include "server/thumbnail_service.hpp"

#include <fcntl.h>

#include <functional>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"
#include "server/storage.hpp"

namespace imgsh::server {

using proto::Errc;

namespace {

// Runs on a worker: decode, shrink, encode. Refusals come back as StoreError.
SharedThumbnail make(int fd, const std::string& name, std::uint32_t edge, const proto::ImageLimits& limits) {
  proto::ShrunkImage shrunk = proto::shrink_image_file(fd, name, edge, limits);
  if (shrunk.problem) {
    Errc code = shrunk.problem->code == Errc::too_large || shrunk.problem->code == Errc::internal
                    ? shrunk.problem->code
                    : Errc::not_an_image;
    throw StoreError(code, shrunk.problem->message);
  }
  return std::make_shared<const proto::Thumbnail>(proto::encode_thumbnail(shrunk.image));
}

}  // namespace

ThumbnailService::ThumbnailService(const ThumbnailOptions& options)
    : options_(options), cache_(options.cache_bytes), pool_(options.workers, options.max_queued, "imgsrv-thumb") {}

ThumbnailService::~ThumbnailService() {
  cancel();
  join();
}

asio::awaitable<SharedThumbnail> ThumbnailService::thumbnail(int fd, const struct stat& st, std::string name,
                                                             std::uint32_t edge) {
  ThumbKey key{file_key(st), edge};
  if (auto cached = cache_.find(key)) co_return cached;
  // As in checksum_service.cpp: every capture of the initiation is trivially
  // destructible (g++ 12 destroys them twice); `name` lives in this suspended frame.
  const std::string* name_here = &name;
  auto wait = asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, SharedThumbnail)>(
      [this, key, fd, name_here](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        auto reply = [shared, executor](std::exception_ptr error, SharedThumbnail thumb) {
          asio::post(executor, [shared, error, thumb = std::move(thumb)]() mutable { (*shared)(error, std::move(thumb)); });
        };
        // A descriptor of the job's own: the job may outlive the request.
        auto own = std::make_shared<UniqueFd>(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
        if (!*own) {
          reply(std::make_exception_ptr(StoreError(Errc::internal, *name_here + ": cannot duplicate a descriptor")), nullptr);
          return;
        }
        std::function<void()> job = [this, key, name = *name_here, own, reply] {
          try {
            if (pool_.cancelled()) throw StoreError(Errc::busy, name + ": the server is shutting down");
            SharedThumbnail thumb = make(own->get(), name, key.edge, options_.limits);
            ++made_;
            cache_.put(key, thumb);
            reply(nullptr, std::move(thumb));
          } catch (...) {
            reply(std::current_exception(), nullptr);
          }
        };
        if (!pool_.try_submit(job)) {
          reply(std::make_exception_ptr(StoreError(Errc::busy, *name_here + ": too many thumbnails are being made; try again")),
                nullptr);
        }
      },
      asio::use_awaitable);
  SharedThumbnail thumb = co_await std::move(wait);
  co_return thumb;
}

}  // namespace imgsh::server
