#pragma once
// Moving body bytes between a file descriptor and a TCP socket, shared by both
// ends: sendfile(2) for file -> socket (no user-space copy), a bounded loop
// for socket -> file.
#include <cstdint>
#include <functional>
#include <span>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/frame_stream.hpp"

namespace imgsh::proto {

// Sends exactly `count` bytes of `fd` starting at `offset`. Throws
// asio::system_error on socket failure, ProtocolError(internal) if the file
// ends early (the frame can then not be completed: close the connection).
asio::awaitable<void> send_file_bytes(asio::ip::tcp::socket& socket, int fd, std::uint64_t offset, std::uint64_t count);

// Called with each piece of a body as it arrives (for sniffing, progress, ...).
using BodyObserver = std::function<void(std::span<const std::uint8_t>)>;

// Writes the rest of the current body to `fd`. Throws std::system_error on a
// write failure (the remaining body is then unread: close the connection).
asio::awaitable<std::uint64_t> receive_body_to_fd(FrameReader<asio::ip::tcp::socket>& reader, int fd,
                                                  const BodyObserver& observe = {});

// write(2) all of `bytes`, retrying on EINTR and short writes.
void write_all(int fd, std::span<const std::uint8_t> bytes);

}  // namespace imgsh::proto
