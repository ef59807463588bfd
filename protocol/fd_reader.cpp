#include "protocol/fd_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace imgsh::proto {

FdReader::FdReader(int fd, std::size_t buffer_bytes) : fd_(fd), buffer_(buffer_bytes) {}

FdReader::FdReader(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes)
    : fd_(fd), buffer_(buffer_bytes), max_bytes_(max_bytes) {}

FdReader::FdReader(int fd, FileGrowth* growth, std::size_t buffer_bytes, std::uint64_t max_bytes)
    : fd_(fd), buffer_(buffer_bytes), max_bytes_(max_bytes), growth_(growth) {}

bool FdReader::refill() {
  if (error_ != 0) return false;
  if (file_offset_ >= max_bytes_) return false;
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), max_bytes_ - file_offset_));
  if (growth_) {
    if (file_offset_ >= known_size_) {
      std::optional<std::uint64_t> size = growth_->wait_beyond(file_offset_);
      if (!size) {
        error_ = ECANCELED;
        return false;
      }
      known_size_ = *size;
      if (known_size_ <= file_offset_) return false;  // complete: the end of the file
    }
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, known_size_ - file_offset_));
  }
  for (;;) {
    ssize_t n = ::pread(fd_, buffer_.data(), want, static_cast<off_t>(file_offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = errno;
      return false;
    }
    begin_ = 0;
    end_ = static_cast<std::size_t>(n);
    file_offset_ += static_cast<std::uint64_t>(n);
    return n > 0;
  }
}

std::span<const std::uint8_t> FdReader::next() { return next(buffer_.size()); }

std::span<const std::uint8_t> FdReader::next(std::size_t max) {
  if (begin_ == end_ && !refill()) return {};
  std::span<const std::uint8_t> out(buffer_.data() + begin_, std::min(max, end_ - begin_));
  consumed_ += out.size();
  begin_ += out.size();
  return out;
}

bool FdReader::read_exact(std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    if (begin_ == end_ && !refill()) return false;
    std::size_t take = std::min(n, end_ - begin_);
    std::memcpy(out, buffer_.data() + begin_, take);
    begin_ += take;
    consumed_ += take;
    out += take;
    n -= take;
  }
  return true;
}

}  // namespace imgsh::proto
