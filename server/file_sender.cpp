#include "server/file_sender.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "protocol/error_code.hpp"

namespace imgsh::server {

using proto::Errc;
using proto::NetStream;
using proto::ProtocolError;

asio::awaitable<void> send_file_bytes(asio::ip::tcp::socket& socket, int fd, std::uint64_t offset, std::uint64_t count) {
  if (!socket.native_non_blocking()) socket.native_non_blocking(true);  // the setter is an ioctl each time
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

asio::awaitable<void> send_file_bytes(NetStream& stream, int fd, std::uint64_t offset, std::uint64_t count) {
  if (!stream.tls()) {
    co_await send_file_bytes(stream.tcp(), fd, offset, count);
    co_return;
  }
  std::vector<std::uint8_t>& chunk = stream.chunk_buffer();
  while (count > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(count, chunk.size()));
    ssize_t n = ::pread(fd, chunk.data(), want, static_cast<off_t>(offset));
    if (n == 0) throw ProtocolError(Errc::internal, "file ended before its announced size");
    if (n < 0) {
      if (errno == EINTR) continue;
      throw asio::system_error(asio::error_code(errno, asio::system_category()), "pread");
    }
    auto got = static_cast<std::size_t>(n);
    co_await asio::async_write(*stream.tls(), asio::buffer(chunk.data(), got), asio::use_awaitable);
    offset += got;
    count -= got;
  }
}

namespace {

// Files up to this size are copied into a per-thread buffer and sent with their
// header in one call (the copy of a few KiB costs less than sendfile's setup).
constexpr std::size_t kCopyMax = 64 * 1024;

// Tries to send the header and a small file in one sendmsg without waiting.
// Returns the bytes sent (0 when nothing could be, or the file read short:
// the caller then goes the general way).
std::size_t try_send_small(int socket_fd, std::string_view head, int fd, std::uint64_t offset, std::size_t count,
                           bool more_follows) {
  thread_local std::unique_ptr<std::uint8_t[]> copy = std::make_unique_for_overwrite<std::uint8_t[]>(kCopyMax);
  ssize_t got = ::pread(fd, copy.get(), count, static_cast<off_t>(offset));
  if (got != static_cast<ssize_t>(count)) return 0;
  std::array<iovec, 2> iov{iovec{const_cast<char*>(head.data()), head.size()}, iovec{copy.get(), count}};
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n = ::sendmsg(socket_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL | (more_follows ? MSG_MORE : 0));
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    throw asio::system_error(asio::error_code(errno, asio::system_category()), "sendmsg");
  }
  return static_cast<std::size_t>(n);
}

}  // namespace

asio::awaitable<void> send_head_and_file(asio::ip::tcp::socket& socket, std::string_view head, int fd,
                                         std::uint64_t offset, std::uint64_t count, bool more_follows) {
  if (!socket.native_non_blocking()) socket.native_non_blocking(true);  // the setter is an ioctl each time
  if (count > 0 && count <= kCopyMax) {
    std::size_t sent = try_send_small(socket.native_handle(), head, fd, offset, static_cast<std::size_t>(count), more_follows);
    std::size_t from_head = std::min(sent, head.size());
    head.remove_prefix(from_head);
    offset += sent - from_head;
    count -= sent - from_head;
    if (count == 0) co_return;
  }
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

asio::awaitable<void> send_head_and_file(NetStream& stream, std::string_view head, int fd, std::uint64_t offset,
                                         std::uint64_t count, bool more_follows) {
  if (!stream.tls()) {
    co_await send_head_and_file(stream.tcp(), head, fd, offset, count, more_follows);
    co_return;
  }
  co_await asio::async_write(*stream.tls(), asio::buffer(head), asio::use_awaitable);
  co_await send_file_bytes(stream, fd, offset, count);
}

}  // namespace imgsh::server
