#pragma once
// One handler per op. Each writes its own success reply and throws
// proto::ProtocolError to refuse (the session turns that into an error reply).
// The session has already refused a body on every op but put.
#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "server/server_options.hpp"
#include "server/store.hpp"

namespace imgsh::server {

struct RequestContext {
  proto::NetStream& socket;  // plain TCP or TLS: handlers read the same either way
  proto::FrameReader<proto::NetStream>& reader;
  const Store& store;
  const ServerOptions& options;
  std::uint64_t id;
  std::uint64_t body_len;
  bool& close_after;  // set when the connection cannot go on after this request
  bool& trailer_due;  // a put body's checksum trailer is still to be read
};

// What the summary log line says about a request that succeeded.
struct Outcome {
  std::string message;
};

asio::awaitable<Outcome> handle_list(RequestContext& ctx, const proto::List& req);
asio::awaitable<Outcome> handle_stat(RequestContext& ctx, const proto::Stat& req);
asio::awaitable<Outcome> handle_get(RequestContext& ctx, const proto::Get& req);
asio::awaitable<Outcome> handle_put(RequestContext& ctx, const proto::Put& req);

}  // namespace imgsh::server
