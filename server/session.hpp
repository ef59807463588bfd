#pragma once
// One client connection: read a request, answer it, reply; until bye or close.
// The session alone sends replies and changes its own state (hello done,
// rights, closing), from the Outcome each handler returns.
#include <cstdint>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "server/outcome.hpp"
#include "server/request_context.hpp"
#include "server/session_watchdog.hpp"

namespace imgsh::server {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // A TLS stream is handshaken first thing in run().
  Session(proto::NetStream socket, const ServerContext& server);

  asio::awaitable<void> run();
  // Asks the session to end: at once when it waits for a request, otherwise
  // after the request in progress. Call on the session's executor.
  void stop();
  asio::any_io_executor executor() { return socket_.get_executor(); }
  const std::string& peer() const { return peer_; }
  // Logs the summary line of the request in progress, if any, as cut at
  // shutdown (the grace period is over and the io_context stops). Any thread.
  void log_cut() const;

 private:
  // How the conversation ended: the log's last word, and the error frame
  // (id 0) still owed to the client, if any.
  struct Ending {
    std::string end = "closed";
    std::optional<proto::ProtocolError> frame_error;
  };

  asio::awaitable<Ending> converse();
  asio::awaitable<void> handshake();
  asio::awaitable<void> serve_requests();
  asio::awaitable<void> finish(Ending ending);
  Ending ending_after(std::exception_ptr error);

  asio::awaitable<void> wait_for_request();
  asio::awaitable<void> serve(const proto::FrameHead& head);
  void log_outcome(const Outcome& outcome, std::string_view code, std::string_view message) const;
  bool cancelled_mid_body(const asio::system_error& e) const;
  void begin_request(std::string op, std::string file);
  void end_request();
  asio::awaitable<Outcome> answer(const proto::FrameHead& head);
  asio::awaitable<Outcome> refuse(const proto::FrameHead& head, std::uint64_t id, const proto::ProtocolError& error);
  asio::awaitable<void> send_reply(Outcome& outcome);
  void apply(const Outcome& outcome);
  std::string timeout_message(SessionWatchdog::Phase phase) const;
  void arm_watchdog(SessionWatchdog::Phase phase, SessionWatchdog::Duration limit);

  proto::NetStream socket_;
  proto::FrameReader<proto::NetStream> reader_;
  ServerContext server_;
  std::string peer_;
  asio::ip::address peer_address_;
  Rights rights_ = Rights::read_write;
  std::string token_label_;  // of the token the hello showed; empty without a token file
  bool hello_done_ = false;
  bool closing_ = false;
  bool idle_ = true;
  bool linger_ = false;  // closing on a refusal: let the last reply reach the client
  SessionWatchdog watchdog_;
  // The request in progress, for its summary line (and for log_cut(), from
  // the listener's thread: hence the mutex).
  struct InFlight {
    std::string op;
    std::string file;
    std::chrono::steady_clock::time_point start;
    std::uint64_t moved_at_start = 0;  // tcp_bytes_moved() when it began
    bool active = false;
  };
  mutable std::mutex in_flight_mutex_;
  InFlight in_flight_;
  int in_flight_fd_ = -1;  // the socket's descriptor, for log_cut()
  // Before hello, every wait ends by this deadline (--hello-timeout after connect).
  std::chrono::steady_clock::time_point hello_deadline_;
};

}  // namespace imgsh::server
