#pragma once
// A put validated while its body streams (issue 13): a worker decodes the temporary
// behind the writer (protocol/image_check.hpp check_image_while_written), so a large
// put costs about max(transfer, decode) instead of their sum. The writer, on an I/O
// thread, only says how far the file has grown (a mutex and a notify, never a wait);
// the decoder, on the worker, waits for bytes it has not got. Memory: the decoder's own
// bounded buffers; the bytes are read back from the page cache.
//
// Every wait has a deadline: the decoder gives up after `stall_limit` without growth
// (beyond the session's body timeout, which ends a stalled put first), at a shutdown
// (the pool's cancel), or when the upload is abandoned.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>

#include <asio/awaitable.hpp>

#include "protocol/file_growth.hpp"
#include "protocol/image_check.hpp"
#include "server/worker_pool.hpp"

namespace imgsh::server {

class StreamingValidation final : public proto::FileGrowth {
 public:
  // `pool`: the worker's pool, asked whether the server shuts down; it outlives the decode.
  StreamingValidation(std::chrono::steady_clock::duration stall_limit, const WorkerPool& pool);

  // The writer's side.
  void grew(std::uint64_t size);  // the file now holds `size` bytes
  void complete();                // the body is all written: the decoder reads to the end
  void abandon();                 // the upload goes away: the decoder stops at its next wait
  // The decoder's verdict, after complete(); resumes on the awaiting coroutine's executor.
  // Rethrows what the decode threw (busy at a shutdown).
  asio::awaitable<proto::ImageCheck> verdict();

  // The worker's side.
  std::optional<std::uint64_t> wait_beyond(std::uint64_t offset) override;
  void finish(std::exception_ptr error, proto::ImageCheck result);  // once, when the decode ends

 private:
  std::mutex mutex_;
  std::condition_variable grown_;
  std::uint64_t size_ = 0;
  bool complete_ = false;
  bool abandoned_ = false;
  std::chrono::steady_clock::duration stall_limit_;
  const WorkerPool& pool_;
  bool done_ = false;
  proto::ImageCheck result_;
  std::exception_ptr error_;
  std::function<void()> on_done_;  // resumes verdict()'s awaiter
};

}  // namespace imgsh::server
