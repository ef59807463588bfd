#include "protocol/fd_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace imgsh::proto {

FdReader::FdReader(int fd, std::size_t buffer_bytes) : fd_(fd), buffer_(buffer_bytes) {}

bool FdReader::refill() {
  if (error_ != 0) return false;
  for (;;) {
    ssize_t n = ::pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(file_offset_));
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

std::span<const std::uint8_t> FdReader::next() {
  if (begin_ == end_ && !refill()) return {};
  std::span<const std::uint8_t> out(buffer_.data() + begin_, end_ - begin_);
  consumed_ += out.size();
  begin_ = end_;
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
