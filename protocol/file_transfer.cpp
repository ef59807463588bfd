#include "protocol/file_transfer.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <asio/use_awaitable.hpp>

namespace imgsh::proto {

asio::awaitable<void> send_file_bytes(asio::ip::tcp::socket& socket, int fd, std::uint64_t offset, std::uint64_t count) {
  socket.native_non_blocking(true);
  auto off = static_cast<off_t>(offset);
  while (count > 0) {
    constexpr std::uint64_t kMaxChunk = 1ull << 30;
    ssize_t n = ::sendfile(socket.native_handle(), fd, &off, static_cast<std::size_t>(std::min(count, kMaxChunk)));
    if (n > 0) {
      count -= static_cast<std::uint64_t>(n);
    } else if (n == 0) {
      throw ProtocolError(Errc::internal, "file ended before its announced size");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      co_await socket.async_wait(asio::ip::tcp::socket::wait_write, asio::use_awaitable);
    } else if (errno != EINTR) {
      throw asio::system_error(asio::error_code(errno, asio::system_category()), "sendfile");
    }
  }
}

asio::awaitable<void> send_head_and_file(asio::ip::tcp::socket& socket, std::string_view head, int fd,
                                         std::uint64_t offset, std::uint64_t count) {
  socket.native_non_blocking(true);
  int more = count > 0 ? MSG_MORE : 0;
  while (!head.empty()) {
    ssize_t n = ::send(socket.native_handle(), head.data(), head.size(), more | MSG_NOSIGNAL);
    if (n >= 0) {
      head.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      co_await socket.async_wait(asio::ip::tcp::socket::wait_write, asio::use_awaitable);
    } else if (errno != EINTR) {
      throw asio::system_error(asio::error_code(errno, asio::system_category()), "send");
    }
  }
  co_await send_file_bytes(socket, fd, offset, count);
}

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
