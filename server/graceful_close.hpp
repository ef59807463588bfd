#pragma once
// Ending a connection without destroying the last reply.
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace imgsh::server {

// Closing a socket with unread input makes the kernel send a reset, which can
// destroy the error reply just written. So: stop sending, read and drop what
// the peer still sends (at most 2 seconds, 64 MiB), then close.
asio::awaitable<void> close_after_reply(asio::ip::tcp::socket& socket);

}  // namespace imgsh::server
