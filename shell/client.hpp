#pragma once
// imgsh's one connection to imgsrv: connect and hello once, then typed
// requests over the same socket. Runs asio coroutines to completion on a
// private io_context, so callers see plain blocking calls.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include "protocol/error_code.hpp"
#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "shell/tls_verify.hpp"

namespace imgsh::shell {

// The server refused a request; code() is the wire error code.
using RemoteError = proto::ProtocolError;

// The connection failed or broke; the client is disconnected afterwards.
class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A local file could not be read or written mid-transfer (disk full, file
// changed while being sent); the connection is dropped since it is out of step.
class LocalIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Ctrl-C cancelled the request; the client is disconnected afterwards.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called with the bytes transferred so far.
using ProgressFn = std::function<void(std::uint64_t done)>;

class Client {
 public:
  Client(std::string host, std::string port);
  ~Client();

  // Before connect(): speak TLS (throws ConnectionError if the CA file cannot
  // be used); send this token in hello (`source` names where it came from).
  void use_tls(const TlsSettings& settings);
  void use_token(std::string token, std::string source);

  void connect();  // throws ConnectionError, RemoteError (busy, bad_request, unauthorized)
  bool connected() const { return socket_.is_open(); }
  // Connects again if the server closed the connection since the last
  // request (restart, idle timeout). Returns true when it reconnected.
  bool ensure_connected();
  void disconnect();
  // "ip:port" of the server, as reports show it; the target as typed before connecting.
  const std::string& server_text() const { return server_text_; }
  const std::string& target_text() const { return target_text_; }
  const proto::Limits& limits() const { return limits_; }
  const std::string& server_name() const { return server_name_; }

  std::vector<proto::FileInfo> list(const std::string& prefix, std::uint64_t limit, bool* truncated = nullptr);
  proto::FileInfo stat(const std::string& name);
  // Writes the file's bytes to out_fd. A local write failure throws
  // LocalIoError (and disconnects, since the rest of the body is unread).
  // Bytes that do not match the server's checksum throw
  // RemoteError(checksum_mismatch): the caller must not keep out_fd's file.
  proto::FileInfo get(const std::string& name, int out_fd, const ProgressFn& progress = {});
  proto::FileInfo put(const std::string& name, int in_fd, std::uint64_t size, const ProgressFn& progress = {});
  void bye();

  // Pipelining, for multi-file transfers (transfer_batch.cpp): requests go out
  // ahead of earlier replies, which come back in request order and are read
  // with the matching receive_*. Failures throw as in get and put.
  // The requests only, in one write; returns the first one's id (the others follow it).
  std::uint64_t send_gets(const std::vector<std::string>& names);
  // on_header is called once the reply's header is in, before its body.
  proto::FileInfo receive_get(std::uint64_t id, int out_fd, const std::function<void(const proto::FileInfo&)>& on_header = {},
                              const ProgressFn& progress = {});
  // An inline put (size <= limits().inline_put_max): header and body.
  std::uint64_t send_inline_put(const std::string& name, int in_fd, std::uint64_t size);
  proto::FileInfo receive_put(std::uint64_t id);
  // While a request waits, a readable `fd` (the Ctrl-C pipe) cancels it:
  // the request throws Interrupted and the connection is dropped.
  void cancel_when_readable(int fd) { interrupt_fd_ = fd; }
  // A request not answered within `timeout` (0: no limit) throws
  // ConnectionError and drops the connection (Tab completion uses this).
  void set_reply_timeout(std::chrono::milliseconds timeout) { reply_timeout_ = timeout; }

 private:
  std::size_t read_local(int in_fd, std::uint64_t offset, std::uint64_t want);
  asio::awaitable<void> send_put_frames(const std::string& head, std::uint64_t id, int in_fd, std::uint64_t size,
                                        const ProgressFn& progress);
  asio::awaitable<void> receive_body(const std::string& name, const proto::FileInfo& info, int out_fd,
                                     const ProgressFn& progress);
  template <class T>
  T run(asio::awaitable<T> task);
  asio::awaitable<proto::Reply> read_reply(std::uint64_t id, proto::FrameHead* head_out = nullptr);
  asio::awaitable<proto::Reply> send_body_then_reply(const std::string& head, std::uint64_t id, int in_fd, std::uint64_t size,
                                                     const ProgressFn& progress);
  bool peer_closed_or_out_of_step();
  asio::awaitable<proto::Reply> request(const proto::RequestBody& body, proto::FrameHead* head_out = nullptr);
  std::uint64_t next_id() { return ++last_id_; }

  std::string host_;
  std::string port_;
  std::string target_text_;
  std::string server_text_;
  std::string server_name_;
  asio::io_context io_;
  proto::NetStream socket_;  // plain TCP or TLS; replaced on each connect
  std::optional<proto::FrameReader<proto::NetStream>> reader_;
  std::unique_ptr<asio::ssl::context> tls_;  // null: plain TCP
  bool tls_insecure_ = false;
  std::string token_;
  std::string token_source_;
  proto::Limits limits_;
  std::uint64_t last_id_ = 0;
  // Per request: did an error reply leave the stream in step, or was a body cut short?
  bool error_in_step_ = false;
  bool body_incomplete_ = false;
  static constexpr std::size_t kSendBufferSize = 1024 * 1024;
  std::vector<std::uint8_t> send_buffer_;  // put bodies pass through it (hashed on the way); made on first put
  int interrupt_fd_ = -1;
  std::chrono::milliseconds reply_timeout_{0};
};

}  // namespace imgsh::shell
