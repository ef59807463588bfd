#pragma once
// imgsh's one connection to imgsrv: resolve, connect, TLS, hello; one place
// that reconnects (ensure_connected, as redis-cli reconnects in one place);
// and the frame stream the request steps (request_steps.hpp) speak over.
// Requests run through run(), which blocks (BlockingBridge) and drops the
// connection after any failure that leaves the stream out of step.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "shell/blocking_bridge.hpp"
#include "shell/client_errors.hpp"
#include "shell/tls_verify.hpp"

namespace imgsh::shell {

class Connection {
 public:
  Connection(std::string host, std::string port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Before connect(): speak TLS (throws ConnectionError if the CA file cannot
  // be used); send this token in hello.
  void use_tls(const TlsSettings& settings);
  void use_token(std::string token) { token_ = std::move(token); }
  // Send the token over plain TCP to a non-loopback address too (it travels in clear).
  void allow_plaintext_token(bool allow) { allow_plaintext_token_ = allow; }
  // Connecting (TCP, TLS handshake, hello) must finish within `timeout` (0: no limit).
  void set_connect_timeout(std::chrono::milliseconds timeout) { connect_timeout_ = timeout; }

  void connect();  // throws ConnectionError, RemoteError (busy, bad_request, unauthorized)
  bool connected() const { return stream_.is_open(); }
  // Connects again if the server closed the connection since the last
  // request (restart, idle timeout). Returns true when it reconnected.
  bool ensure_connected();
  void disconnect();

  // "ip:port" of the server, as reports show it; the target as typed before connecting.
  const std::string& server_text() const { return server_text_; }
  const std::string& target_text() const { return target_text_; }
  const proto::Limits& limits() const { return hello_.limits; }
  const std::string& server_name() const { return hello_.server; }

  BlockingBridge& bridge() { return bridge_; }
  // Runs one request's coroutine to completion (BlockingBridge::run). Any
  // failure but a Refusal leaves the stream out of step: the connection is
  // dropped, so the next request starts afresh.
  template <class T>
  T run(asio::awaitable<T> task) {
    try {
      return bridge_.run(stream_.tcp(), server_text_, std::move(task));
    } catch (const Refusal&) {
      throw;
    } catch (const Interrupted&) {
      tell_cancelled();
      disconnect();
      throw;
    } catch (...) {
      disconnect();
      throw;
    }
  }

  // For the request steps, inside run(): the stream and its frame reader
  // (ConnectionError when not connected), and the id of the next request.
  proto::NetStream& stream();
  proto::FrameReader<proto::NetStream>& reader();
  std::uint64_t next_id() { return ++last_id_; }

 private:
  void open_transport();
  void tls_handshake();
  void say_hello();
  void refuse_plaintext_token(const asio::ip::tcp::resolver::results_type& endpoints) const;
  void recognize_foreign_peer();
  [[noreturn]] void timed_out(const char* what) const;
  bool peer_closed_or_out_of_step();
  void tell_cancelled();  // Ctrl-C: the cancel frame (cancel_request.hpp)

  std::string host_;
  std::string port_;
  std::string target_text_;
  std::string server_text_;
  BlockingBridge bridge_;    // owns the io_context: declared before the stream
  proto::NetStream stream_;  // plain TCP or TLS; replaced on each connect
  std::optional<proto::FrameReader<proto::NetStream>> reader_;
  std::unique_ptr<asio::ssl::context> tls_;  // null: plain TCP
  bool tls_insecure_ = false;
  std::string token_;
  bool allow_plaintext_token_ = false;
  std::chrono::milliseconds connect_timeout_{10000};
  proto::HelloReply hello_;
  std::uint64_t last_id_ = 0;
};

}  // namespace imgsh::shell
