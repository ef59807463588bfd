#pragma once
// The server's side of a client's cancellation (protocol/client_cancel.hpp,
// PROTOCOL.md "cancel"): the exception that ends a request the client gave up,
// the watch that sees a cancel frame arrive while a reply body is on its way,
// and the handler of a cancel that comes as a request of its own.
#include <cstdint>
#include <stdexcept>

#include <asio/awaitable.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "server/outcome.hpp"
#include "server/request_context.hpp"

namespace imgsh::server {

// The client cancelled the request in progress: nothing is kept (a put's
// temporary goes with its upload), no reply is owed, the session ends.
class ClientCancelled : public std::runtime_error {
 public:
  ClientCancelled() : std::runtime_error("cancelled by the client") {}
};

// Throws ClientCancelled when `head`, read where the request expected its next
// frame (a put's data frame or trailer), is the client's cancel.
void throw_if_cancel(const proto::FrameHead& head);

// Runs `send` (a reply body of `body_len` bytes on its way) while watching, on
// plain TCP, for a cancel frame among the bytes the client sends meanwhile
// (peeked, not taken: pipelined requests stay for the session). A cancel stops
// the send and throws ClientCancelled. Through TLS the bytes cannot be peeked,
// and a small body leaves at once: `send` then runs alone.
asio::awaitable<void> send_unless_cancelled(proto::NetStream& stream, std::uint64_t body_len, asio::awaitable<void> send);

// A cancel read as a request: what it named has already ended. The session closes.
asio::awaitable<Outcome> handle_cancel(RequestContext& ctx, const proto::Cancel& req);

}  // namespace imgsh::server
