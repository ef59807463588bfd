#pragma once
// Moving body bytes between files and a TCP socket, shared by both ends:
// sendfile(2) for file -> socket (no user-space copy), write_all for the rest.
#include <cstdint>
#include <span>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/frame_stream.hpp"

namespace imgsh::proto {

// Sends exactly `count` bytes of `fd` starting at `offset`. Throws
// asio::system_error on socket failure, ProtocolError(internal) if the file
// ends early (the frame can then not be completed: close the connection).
asio::awaitable<void> send_file_bytes(asio::ip::tcp::socket& socket, int fd, std::uint64_t offset, std::uint64_t count);

// Sends `head` (a frame's prefix and header) with MSG_MORE, then `count` bytes
// of `fd` from `offset` as send_file_bytes does: the header and the file's
// first bytes leave in one TCP segment, so a small get costs one.
asio::awaitable<void> send_head_and_file(asio::ip::tcp::socket& socket, std::string_view head, int fd,
                                         std::uint64_t offset, std::uint64_t count);

// write(2) all of `bytes`, retrying on EINTR and short writes.
void write_all(int fd, std::span<const std::uint8_t> bytes);

}  // namespace imgsh::proto
