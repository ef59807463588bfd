#include "protocol/fd_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace imgsh::proto {

void write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "write");
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace imgsh::proto
