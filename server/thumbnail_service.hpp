#pragma once
// Thumbnails of stored files (the thumb op) without decoding on an I/O thread: a
// cached one answers at once; otherwise the file is shrunk on a worker pool of its own
// (protocol/image_thumbnail.hpp: one decoding pass, bounded memory) and the awaiting
// request resumes on its own executor. A full queue answers busy.
#include <sys/stat.h>

#include <cstddef>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>

#include "protocol/image_check.hpp"
#include "server/thumbnail_cache.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct ThumbnailOptions {
  unsigned workers = 1;                    // thumbnails made at once
  std::size_t max_queued = 16;             // waiting for a worker before busy
  std::size_t cache_bytes = 8 << 20;       // thumbnails kept in memory
  proto::ImageLimits limits{};             // the validation library's pixel and memory limits
};

class ThumbnailService {
 public:
  explicit ThumbnailService(const ThumbnailOptions& options = {});
  ~ThumbnailService();

  // A thumbnail of the open regular file `fd` (fstat `st`), longer side at most `edge`.
  // Throws StoreError: not_an_image, too_large (the pixel limit), busy, internal.
  asio::awaitable<SharedThumbnail> thumbnail(int fd, const struct stat& st, std::string name, std::uint32_t edge);

  void cancel() { pool_.cancel(); }  // never blocks; a thumbnail in progress finishes
  void join() { pool_.join(); }

  std::size_t made() const { return made_; }  // thumbnails decoded, not from the cache

 private:
  ThumbnailOptions options_;
  ThumbnailCache cache_;
  std::atomic<std::size_t> made_{0};
  WorkerPool pool_;  // last: its threads stop before the members they use go
};

}  // namespace imgsh::server
