#pragma once
// Full image validation of an uploaded temporary (protocol/image_check.hpp), run on a
// small bounded worker pool of its own so an I/O thread never decodes a file: the put
// that waits for it is suspended, other requests go on. A full queue answers busy.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>

#include "protocol/image_check.hpp"
#include "server/streaming_validation.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

struct ImageValidationOptions {
  unsigned workers = 2;         // files decoded at once
  std::size_t max_queued = 64;  // uploads waiting for a worker before busy
  // Puts decoded while their bodies stream (streaming_validation.hpp), each holding a
  // thread of its own for its whole transfer; when all are taken a put is decoded after
  // its body, on the pool above. The store sizes it from --worker-threads.
  unsigned streaming_workers = 1;
};

class ImageValidator {
 public:
  explicit ImageValidator(const ImageValidationOptions& options = {});
  ~ImageValidator();

  // Decodes the whole file behind `fd` (read with pread; a dup is taken, so the job
  // never outlives its descriptor). Returns the library's verdict (facts or problem);
  // throws StoreError busy when the queue is full or the server shuts down.
  asio::awaitable<proto::ImageCheck> check(int fd, std::string name, proto::ImageLimits limits);

  // Starts decoding the file behind `fd` while it is being written, if a streaming
  // worker is free (else nullptr: call check() after the body). The writer reports its
  // progress to the returned object and awaits its verdict().
  std::shared_ptr<StreamingValidation> check_while_written(int fd, std::string name, proto::ImageLimits limits,
                                                           std::chrono::steady_clock::duration stall_limit);

  void cancel();  // never blocks: queued checks end as busy
  void join();    // waits for the workers (each at most one file's decode)

 private:
  WorkerPool pool_;
  unsigned streaming_workers_;
  std::atomic<unsigned> streaming_busy_{0};
  WorkerPool streaming_pool_;
};

}  // namespace imgsh::server
