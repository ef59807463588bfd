#pragma once
// Reads a file front to back through one fixed buffer with pread, starting at offset 0:
// the descriptor's own offset is neither used nor moved, and memory stays at one buffer
// whatever the file size. Used by the image decoders (png_check.cpp, jpeg_check.cpp).
#include <cerrno>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/file_growth.hpp"

namespace imgsh::proto {

class FdReader {
 public:
  explicit FdReader(int fd, std::size_t buffer_bytes = 256 * 1024);
  // Reads nothing at or beyond offset `max_bytes`: the file seems to end there (a header
  // reader's bound, image_header.hpp).
  FdReader(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes);
  // Reads a file still being written behind its writer: before reading past the bytes
  // known to be there it asks `growth` (not owned) to wait for more.
  FdReader(int fd, FileGrowth* growth, std::size_t buffer_bytes = 256 * 1024, std::uint64_t max_bytes = UINT64_MAX);

  // The next bytes of the file, up to a buffer-full, valid until the next call; empty at
  // the end of the file or on a read error (then error() is the errno).
  std::span<const std::uint8_t> next();
  // The same, at most `max` bytes: the rest stays for the next call.
  std::span<const std::uint8_t> next(std::size_t max);

  // Copies the next `n` bytes to `out`; false when the file ends first or a read fails.
  bool read_exact(std::uint8_t* out, std::size_t n);

  // Bytes handed out so far (next or read_exact).
  std::uint64_t consumed() const { return consumed_; }
  int error() const { return error_; }

 private:
  bool refill();

  int fd_;
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;     // first unread byte in buffer_
  std::size_t end_ = 0;       // one past the last valid byte in buffer_
  std::uint64_t file_offset_ = 0;  // where the next pread starts
  std::uint64_t consumed_ = 0;
  std::uint64_t max_bytes_ = UINT64_MAX;
  FileGrowth* growth_ = nullptr;
  std::uint64_t known_size_ = 0;  // with growth_: bytes the writer has said are there
  int error_ = 0;
};

}  // namespace imgsh::proto
