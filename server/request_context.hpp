#pragma once
// What a handler may use to answer one request.
#include <atomic>
#include <cstdint>
#include <string>

#include <asio/ip/address.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/net_stream.hpp"
#include "server/client_identity.hpp"
#include "server/gatekeeper.hpp"
#include "server/metrics.hpp"
#include "server/server_options.hpp"
#include "server/session_watchdog.hpp"
#include "server/storage.hpp"

namespace imgsh::server {

// Shared by every session of one server; outlives them all.
struct ServerContext {
  const Storage& store;
  const ServerOptions& options;
  Gatekeeper* gate = nullptr;  // null: no tokens needed
  const std::atomic<std::size_t>* open_sessions = nullptr;  // for ping; null: not counted
  Metrics* metrics = nullptr;  // the counters of stats and --metrics-listen; null: none kept
};

struct RequestContext {
  // The connection, plain TCP or TLS. Only the put exchange reads or writes
  // it (its body, continue and trailer are part of the request); every
  // other handler leaves it to the session.
  proto::NetStream& stream;
  proto::FrameReader<proto::NetStream>& reader;
  const ServerContext& server;
  asio::ip::address peer_address;
  std::uint64_t id;        // the request's id, echoed in its reply
  std::uint64_t body_len;  // of the request frame
  // The session's deadline keeper, for WatchdogHold while the server works for the
  // request (null in unit tests).
  SessionWatchdog* watchdog = nullptr;
  ClientIdentity who{};    // for the log of deletes and renames
};

}  // namespace imgsh::server
