#pragma once
// Frames over an asio stream, as C++20 coroutines; used by both ends. The
// reader hands body bytes out in pieces, so a body of any size streams through
// bounded memory: a small buffer for headers and small bodies lives with the
// connection; a large one exists only while a large body streams.
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "protocol/frame_codec.hpp"

namespace imgsh::proto {

struct FrameHead {
  nlohmann::json header;
  std::uint64_t body_len = 0;
};

// How many of a body's last bytes a FrameReader keeps (body_tail()).
inline constexpr std::size_t kBodyTailSize = 128;

namespace detail {

// Large read buffers recycled per thread (a few at most), so a session
// streaming body after body does not allocate for each, and an idle session
// holds none.
class LargeBufferPool {
 public:
  static std::unique_ptr<std::uint8_t[]> take(std::size_t size) {
    auto& pool = free_list();
    if (size != kPooledSize || pool.empty()) return std::make_unique_for_overwrite<std::uint8_t[]>(size);
    auto buffer = std::move(pool.back());
    pool.pop_back();
    return buffer;
  }
  static void give_back(std::unique_ptr<std::uint8_t[]> buffer, std::size_t size) {
    auto& pool = free_list();
    if (size == kPooledSize && pool.size() < kKeep) pool.push_back(std::move(buffer));
  }
  static constexpr std::size_t kPooledSize = 1024 * 1024;

 private:
  static constexpr std::size_t kKeep = 2;
  static std::vector<std::unique_ptr<std::uint8_t[]>>& free_list() {
    thread_local std::vector<std::unique_ptr<std::uint8_t[]>> pool;
    return pool;
  }
};

}  // namespace detail

template <class Stream>
class FrameReader {
 public:
  static constexpr std::size_t kSmallBufferSize = 4 * 1024;
  static constexpr std::size_t kLargeBufferSize = detail::LargeBufferPool::kPooledSize;

  explicit FrameReader(Stream& stream, std::size_t large_buffer_size = kLargeBufferSize)
      : stream_(stream), large_size_(large_buffer_size) {}
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;
  ~FrameReader() { release_large(); }

  // The next frame's header. Throws ProtocolError on invalid framing and
  // asio::system_error (asio::error::eof on a clean close) on I/O failure.
  asio::awaitable<FrameHead> read_header() {
    while (true) {
      auto step = decoder_.feed(pending());
      begin_ += step.consumed;
      switch (step.event) {
        case FrameDecoder::Event::header:
          tail_size_ = 0;
          co_return FrameHead{decoder_.take_header(), decoder_.body_len()};
        case FrameDecoder::Event::error:
          throw ProtocolError(decoder_.error_code(), decoder_.error_message());
        case FrameDecoder::Event::body:
          throw ProtocolError(Errc::internal, "read_header called inside a body");
        case FrameDecoder::Event::need_more:
          co_await fill();
      }
    }
  }

  // The next piece of the current body; empty once the body is complete.
  asio::awaitable<std::span<const std::uint8_t>> read_body_some() {
    if (!decoder_.in_body()) co_return std::span<const std::uint8_t>{};
    if (begin_ == end_) co_await fill();
    auto step = decoder_.feed(pending());
    begin_ += step.consumed;
    keep_tail(step.body);
    co_return step.body;
  }

  // Reads and drops the rest of the current body.
  asio::awaitable<void> skip_body() {
    while (true) {
      auto piece = co_await read_body_some();
      if (piece.empty()) break;
    }
  }

  // Waits until at least one byte of a further frame is buffered.
  asio::awaitable<void> wait_readable() {
    if (begin_ == end_) co_await fill();
  }

  std::uint64_t body_remaining() const { return decoder_.body_remaining(); }
  bool in_body() const { return decoder_.in_body(); }
  // True when no byte of a further frame is buffered or decoded.
  bool idle() const { return begin_ == end_ && decoder_.at_frame_boundary(); }
  // True when the next frame's whole header is already buffered: a pipelined
  // request that will be answered right after the current one.
  bool next_header_buffered() const { return decoder_.at_frame_boundary() && holds_frame_head(pending()); }
  // The last bytes (at most kBodyTailSize) of the body read so far: where a
  // client that cancels mid-body puts its cancel frame (client_cancel.hpp).
  std::span<const std::uint8_t> body_tail() const { return {tail_.data(), tail_size_}; }

 private:
  std::span<const std::uint8_t> pending() const { return {data_ + begin_, end_ - begin_}; }

  // Called when every buffered byte is consumed. An idle session thus holds
  // only the small buffer; the large one goes back to the pool at the first
  // read outside a large body.
  asio::awaitable<void> fill() {
    std::uint8_t* space = small_.data();
    std::size_t size = small_.size();
    if (decoder_.in_body() && decoder_.body_remaining() > small_.size()) {
      if (!large_) large_ = detail::LargeBufferPool::take(large_size_);
      space = large_.get();
      size = large_size_;
    } else {
      release_large();
    }
    data_ = space;
    begin_ = end_ = 0;
    end_ = co_await stream_.async_read_some(asio::buffer(space, size), asio::use_awaitable);
  }

  void keep_tail(std::span<const std::uint8_t> piece) {
    if (piece.size() >= tail_.size()) {
      std::copy(piece.end() - static_cast<std::ptrdiff_t>(tail_.size()), piece.end(), tail_.begin());
      tail_size_ = tail_.size();
      return;
    }
    std::size_t keep = std::min(tail_size_, tail_.size() - piece.size());
    if (keep < tail_size_) {
      auto from = tail_.begin() + static_cast<std::ptrdiff_t>(tail_size_ - keep);
      std::copy(from, from + static_cast<std::ptrdiff_t>(keep), tail_.begin());
    }
    std::copy(piece.begin(), piece.end(), tail_.begin() + static_cast<std::ptrdiff_t>(keep));
    tail_size_ = keep + piece.size();
  }

  void release_large() {
    if (large_) detail::LargeBufferPool::give_back(std::move(large_), large_size_);
  }

  Stream& stream_;
  std::size_t large_size_;
  std::array<std::uint8_t, kSmallBufferSize> small_;
  std::unique_ptr<std::uint8_t[]> large_;
  const std::uint8_t* data_ = small_.data();
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  FrameDecoder decoder_;
  std::array<std::uint8_t, kBodyTailSize> tail_{};
  std::size_t tail_size_ = 0;
};

// Writes a frame's prefix and header; body_len bytes of body must follow.
template <class Stream>
asio::awaitable<void> write_head(Stream& stream, const nlohmann::json& header, std::uint64_t body_len) {
  std::string head = encode_frame_head(header, body_len);
  co_await asio::async_write(stream, asio::buffer(head), asio::use_awaitable);
}

// Writes a whole frame whose body is in memory.
template <class Stream>
asio::awaitable<void> write_frame(Stream& stream, const nlohmann::json& header, std::span<const std::uint8_t> body = {}) {
  std::string head = encode_frame_head(header, body.size());
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body.data(), body.size())};
  co_await asio::async_write(stream, buffers, asio::use_awaitable);
}

}  // namespace imgsh::proto
