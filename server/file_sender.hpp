#pragma once
// Sending a stored file's bytes to a client: sendfile(2) on plain TCP (no
// user-space copy). Over TLS the kernel cannot encrypt, so file bytes go
// through a user-space chunk buffer instead (one per connection, see
// NetStream::chunk_buffer). Only the server sends files this way.
#include <cstdint>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/net_stream.hpp"

namespace imgsh::server {

// Sends exactly `count` bytes of `fd` starting at `offset`. Throws
// asio::system_error on socket failure, ProtocolError(internal) if the file
// ends early (the frame can then not be completed: close the connection).
asio::awaitable<void> send_file_bytes(asio::ip::tcp::socket& socket, int fd, std::uint64_t offset, std::uint64_t count);
// The same over either kind of stream: sendfile(2) on plain TCP, chunks through TLS.
asio::awaitable<void> send_file_bytes(proto::NetStream& stream, int fd, std::uint64_t offset, std::uint64_t count);

// Sends `head` (a frame's prefix and header), then `count` bytes of `fd` from
// `offset`: the header and the file's first bytes leave in one TCP segment, so
// a small get costs one. A small file goes in one sendmsg(2) with the header;
// with `more_follows` (another reply comes right after) it is sent with
// MSG_MORE, so pipelined small replies share segments. Larger files go by
// sendfile(2) after the header, as send_file_bytes does.
asio::awaitable<void> send_head_and_file(asio::ip::tcp::socket& socket, std::string_view head, int fd,
                                         std::uint64_t offset, std::uint64_t count, bool more_follows = false);
// The same over either kind of stream; through TLS the header is written, then the file in chunks.
asio::awaitable<void> send_head_and_file(proto::NetStream& stream, std::string_view head, int fd, std::uint64_t offset,
                                         std::uint64_t count, bool more_follows = false);

}  // namespace imgsh::server
