#pragma once
// The steps every request is made of, as coroutines over a Connection (run
// them inside Connection::run): send a header, read the reply to an id. Each
// frame header sent or received is traced (-v).
#include <cstdint>

#include <asio/awaitable.hpp>

#include "protocol/messages.hpp"
#include "shell/connection.hpp"

namespace imgsh::shell {

// Reads the reply to request `id`. An error reply throws Refusal (its body,
// if any, skipped: the stream is in step), or RemoteError when it has id 0:
// the server refused the session itself (busy, bad frame) and closes.
// `head_out` receives the frame head, for replies that carry a body.
asio::awaitable<proto::Reply> read_reply(Connection& conn, std::uint64_t id, proto::FrameHead* head_out = nullptr);

// Sends one request without a body and reads its reply.
asio::awaitable<proto::Reply> request(Connection& conn, const proto::RequestBody& body,
                                      proto::FrameHead* head_out = nullptr);

}  // namespace imgsh::shell
