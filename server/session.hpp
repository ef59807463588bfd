#pragma once
// One client connection: read a request, handle it, reply; until bye or close.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "server/gatekeeper.hpp"
#include "server/server_options.hpp"
#include "server/session_watchdog.hpp"
#include "server/store.hpp"

namespace imgsh::server {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `gate` null: no tokens needed. A TLS stream is handshaken first thing in run().
  Session(proto::NetStream socket, const Store& store, const ServerOptions& options, Gatekeeper* gate = nullptr);

  asio::awaitable<void> run();
  // Asks the session to end: at once when it waits for a request, otherwise
  // after the request in progress. Call on the session's executor.
  void stop();
  asio::any_io_executor executor() { return socket_.get_executor(); }
  const std::string& peer() const { return peer_; }

 private:
  asio::awaitable<void> wait_for_request();
  asio::awaitable<void> serve(const proto::FrameHead& head);
  asio::awaitable<std::string> dispatch(const proto::Request& request, std::uint64_t body_len);
  void check_sequence(const proto::Request& request);
  std::string timeout_message(SessionWatchdog::Phase phase) const;

  proto::NetStream socket_;
  proto::FrameReader<proto::NetStream> reader_;
  const Store& store_;
  const ServerOptions& options_;
  std::string peer_;
  Gatekeeper* gate_;
  Rights rights_ = Rights::read_write;
  bool hello_done_ = false;
  bool closing_ = false;
  bool idle_ = true;
  bool linger_ = false;  // closing on a refusal: let the last reply reach the client
  bool trailer_due_ = false;  // a put body's checksum trailer is still to come
  SessionWatchdog watchdog_;
};

}  // namespace imgsh::server
