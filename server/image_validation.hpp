#pragma once
// Full image validation of an uploaded temporary (protocol/image_check.hpp), run on a
// small bounded worker pool of its own so an I/O thread never decodes a file: the put
// that waits for it is suspended, other requests go on. A full queue answers busy.
#include <cstddef>
#include <string>

#include <asio/awaitable.hpp>

#include "protocol/image_check.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct ImageValidationOptions {
  unsigned workers = 2;         // files decoded at once
  std::size_t max_queued = 64;  // uploads waiting for a worker before busy
};

class ImageValidator {
 public:
  explicit ImageValidator(const ImageValidationOptions& options = {});
  ~ImageValidator();

  // Decodes the whole file behind `fd` (read with pread; a dup is taken, so the job
  // never outlives its descriptor). Returns the library's verdict (facts or problem);
  // throws StoreError busy when the queue is full or the server shuts down.
  asio::awaitable<proto::ImageCheck> check(int fd, std::string name, proto::ImageLimits limits);

  void cancel();  // never blocks: queued checks end as busy
  void join();    // waits for the workers (each at most one file's decode)

 private:
  WorkerPool pool_;
};

}  // namespace imgsh::server
