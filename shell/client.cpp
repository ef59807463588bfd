#include "shell/client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <asio/connect.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/checksum.hpp"
#include "protocol/endpoint_text.hpp"
#include "protocol/fd_io.hpp"
#include "protocol/version.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/request_watch.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;
using tcp = asio::ip::tcp;

// A malformed entry in a reply means the server is broken, not the request.
proto::FileInfo file_info_from_reply(const nlohmann::json& j) {
  try {
    return proto::file_info_from_json(j);
  } catch (const proto::ProtocolError& e) {
    throw RemoteError(Errc::bad_frame, std::string("malformed reply from the server: ") + e.what());
  }
}

std::string target_of(const std::string& host, const std::string& port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

}  // namespace

Client::Client(std::string host, std::string port)
    : host_(std::move(host)), port_(std::move(port)), target_text_(target_of(host_, port_)), server_text_(target_text_), socket_(tcp::socket(io_)) {}

Client::~Client() { disconnect(); }

// Runs `task` to completion before returning, so a task may refer to the
// caller's locals. (Coroutine call arguments are always lvalues in this file:
// g++ 12 can destroy a temporary in a co_await expression twice.)
template <class T>
T Client::run(asio::awaitable<T> task) {
  error_in_step_ = false;
  body_incomplete_ = false;
  std::optional<T> result;
  std::exception_ptr error;
  RequestWatch watch(io_, socket_.tcp(), interrupt_fd_, reply_timeout_);  // Ctrl-C, reply timeout
  asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
    watch.done();
  });
  io_.restart();
  io_.run();
  if (error && (watch.interrupted() || watch.timed_out())) {
    disconnect();
    if (watch.interrupted()) throw Interrupted("interrupted");
    throw ConnectionError("no reply from " + server_text_ + " within " + std::to_string(reply_timeout_.count()) + " ms");
  }
  // Any failure but an error reply read in step leaves the stream unusable:
  // drop the connection, so the next request starts afresh.
  try {
    if (error) std::rethrow_exception(error);
  } catch (const RemoteError& e) {
    if (!error_in_step_) disconnect();
    throw;
  } catch (const LocalIoError&) {
    disconnect();
    throw;
  } catch (const asio::system_error& e) {
    disconnect();
    // Over TLS a close without close_notify reads as "stream truncated".
    bool closed = e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated;
    std::string why = closed ? "the server closed the connection" : e.code().message();
    throw ConnectionError("connection to " + server_text_ + " lost: " + why);
  } catch (const nlohmann::json::exception& e) {
    disconnect();
    throw RemoteError(Errc::bad_frame, std::string("malformed reply from the server: ") + e.what());
  } catch (...) {
    disconnect();
    throw;
  }
  return std::move(*result);
}

void Client::use_tls(const TlsSettings& settings) {
  try {
    tls_ = make_client_tls_context(settings);
  } catch (const std::exception& e) {
    throw ConnectionError(e.what());
  }
  tls_insecure_ = settings.insecure;
}

void Client::use_token(std::string token, std::string source) {
  token_ = std::move(token);
  token_source_ = std::move(source);
}

void Client::connect() {
  disconnect();
  asio::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host_, port_, ec);
  if (ec) throw ConnectionError("cannot resolve " + host_ + ": " + ec.message());
  tcp::socket plain(io_);
  asio::connect(plain, endpoints, ec);
  if (ec) throw ConnectionError("cannot connect to " + target_text_ + ": " + ec.message());
  plain.set_option(tcp::no_delay(true), ec);
  server_text_ = proto::endpoint_text(plain.remote_endpoint(ec));
  socket_ = tls_ ? proto::NetStream(std::move(plain), *tls_) : proto::NetStream(std::move(plain));
  if (socket_.tls()) {
    auto findings = std::make_shared<VerifyFindings>();
    prepare_tls_stream(*socket_.tls(), host_, tls_insecure_, findings);
    socket_.tls()->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      disconnect();
      throw ConnectionError("TLS to " + target_text_ + " refused: " + explain_tls_failure(ec, *findings, host_));
    }
  }
  reader_.emplace(socket_);
  proto::Reply reply;
  try {
    reply = run(request(proto::Hello{proto::kProtocolVersion, "imgsh/" IMGSH_VERSION, token_}));
    limits_ = proto::limits_from_reply(reply);
  } catch (const RemoteError& e) {
    disconnect();  // refused (busy, version, token): the server closes anyway
    if (e.code() == Errc::unauthorized) {
      throw RemoteError(Errc::unauthorized,
                        token_.empty() ? "the server needs a token: set IMGSH_TOKEN or use --token-file FILE"
                                       : std::string(e.what()) + " (the token from " + token_source_ +
                                             "): check it, or ask for a new one (imgsrv token add)");
    }
    throw;
  } catch (...) {
    disconnect();
    throw;
  }
  auto server = reply.fields.find("server");
  server_name_ = server != reply.fields.end() && server->is_string() ? server->get<std::string>() : "imgsrv";
}

// Between requests nothing may arrive: a readable socket means the server
// closed it (or sent an unsolicited error before closing).
bool Client::peer_closed_or_out_of_step() {
  if (!reader_->idle()) return true;
  char byte;
  ssize_t n = ::recv(socket_.tcp().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool Client::ensure_connected() {
  if (connected() && !peer_closed_or_out_of_step()) return false;
  connect();
  return true;
}

void Client::disconnect() {
  asio::error_code ec;
  if (socket_.is_open()) {
    socket_.tcp().shutdown(tcp::socket::shutdown_both, ec);
    socket_.tcp().close(ec);
  }
  reader_.reset();
}

asio::awaitable<proto::Reply> Client::read_reply(std::uint64_t id, proto::FrameHead* head_out) {
  proto::FrameHead head = co_await reader_->read_header();
  trace_frame_received(head.header, head.body_len);
  proto::Reply reply = proto::parse_reply(head.header);
  if (reply.id != id && !(reply.id == 0 && reply.status == proto::ReplyStatus::error)) {
    throw RemoteError(Errc::bad_frame, "reply " + std::to_string(reply.id) + " does not answer request " + std::to_string(id));
  }
  if (reply.status == proto::ReplyStatus::error) {
    if (reader_->in_body()) co_await reader_->skip_body();
    // id 0: the server refused the session itself (busy, bad frame) and closes.
    error_in_step_ = reply.id != 0 && !body_incomplete_;
    throw RemoteError(reply.code, reply.message);
  }
  if (head_out) *head_out = std::move(head);
  co_return reply;
}

asio::awaitable<proto::Reply> Client::request(const proto::RequestBody& body, proto::FrameHead* head_out) {
  if (!reader_) throw ConnectionError("not connected to " + target_text_);
  std::uint64_t id = next_id();
  nlohmann::json header = proto::to_header(proto::Request{id, body});
  trace_frame_sent(header, 0);
  co_await proto::write_frame(socket_, header);
  proto::Reply reply = co_await read_reply(id, head_out);
  co_return reply;
}

std::vector<proto::FileInfo> Client::list(const std::string& prefix, std::uint64_t limit, bool* truncated) {
  return run([&]() -> asio::awaitable<std::vector<proto::FileInfo>> {
    proto::FrameHead head;
    proto::RequestBody list = proto::List{prefix, limit};
    proto::Reply reply = co_await request(list, &head);
    constexpr std::uint64_t kMaxListBody = 256ull << 20;  // ~2.5 million names
    if (head.body_len > kMaxListBody) throw RemoteError(Errc::bad_frame, "list reply body is implausibly large");
    std::string body;
    while (true) {
      auto piece = co_await reader_->read_body_some();
      if (piece.empty()) break;
      body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
    auto array = proto::json_depth_within(body) ? nlohmann::json::parse(body, nullptr, false) : nlohmann::json();
    if (!array.is_array()) throw RemoteError(Errc::bad_frame, "list reply body is not a JSON array");
    std::vector<proto::FileInfo> files;
    for (const auto& entry : array) files.push_back(file_info_from_reply(entry));
    auto more = reply.fields.find("truncated");
    if (truncated) *truncated = more != reply.fields.end() && more->is_boolean() && more->get<bool>();
    co_return files;
  }());
}

proto::FileInfo Client::stat(const std::string& name) {
  return run([&]() -> asio::awaitable<proto::FileInfo> {
    proto::RequestBody stat = proto::Stat{name};
    proto::Reply reply = co_await request(stat);
    co_return file_info_from_reply(reply.fields);
  }());
}

proto::FileInfo Client::get(const std::string& name, int out_fd, const ProgressFn& progress) {
  return run([&]() -> asio::awaitable<proto::FileInfo> {
    proto::FrameHead head;
    proto::RequestBody get = proto::Get{name};
    proto::Reply reply = co_await request(get, &head);
    proto::FileInfo info = file_info_from_reply(reply.fields);
    if (head.body_len != info.size) throw RemoteError(Errc::bad_frame, "get reply body does not match its size");
    co_await receive_body(name, info, out_fd, progress);
    co_return info;
  }());
}

// Up to `want` bytes of the local file at `offset` into `buffer`; the count read.
std::size_t Client::read_local(int in_fd, std::uint64_t offset, std::uint64_t want) {
  std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(want, send_buffer_.size()));
  while (true) {
    ssize_t n = ::pread(in_fd, send_buffer_.data(), size, static_cast<off_t>(offset));
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) throw proto::ProtocolError(Errc::internal, "the local file ended before its size");
    if (errno != EINTR) throw LocalIoError(std::string("cannot read the local file: ") + std::strerror(errno));
  }
}

// `head` (a put or data frame's prefix and header), the file's `size` bytes and the
// checksum trailer, hashed as they are read so the file is read once; a small file
// leaves in one write, head, body and trailer together.
asio::awaitable<void> Client::send_put_frames(const std::string& head, std::uint64_t id, int in_fd, std::uint64_t size,
                                              const ProgressFn& progress) {
  std::string_view unsent_head = head;
  if (send_buffer_.empty()) send_buffer_.resize(kSendBufferSize);
  proto::Xxh3Hasher hasher;
  std::uint64_t done = 0;
  while (true) {
    std::size_t n = done < size ? read_local(in_fd, done, size - done) : 0;
    hasher.update({send_buffer_.data(), n});
    done += n;
    std::string trailer;
    if (done == size) {
      nlohmann::json checksum = proto::to_header(proto::Request{id, proto::Checksum{hasher.hex()}});
      trace_frame_sent(checksum, 0);
      trailer = proto::encode_frame_head(checksum, 0);
    }
    std::array<asio::const_buffer, 3> buffers{asio::buffer(unsent_head), asio::buffer(send_buffer_.data(), n),
                                              asio::buffer(trailer)};
    co_await asio::async_write(socket_, buffers, asio::use_awaitable);
    unsent_head = {};
    if (progress && n > 0) progress(done);
    if (done == size) co_return;
  }
}

asio::awaitable<void> Client::receive_body(const std::string& name, const proto::FileInfo& info, int out_fd,
                                           const ProgressFn& progress) {
  if (info.xxh3.empty()) throw RemoteError(Errc::bad_frame, "get reply carries no xxh3 checksum");
  proto::Xxh3Hasher hasher;
  std::uint64_t done = 0;
  while (true) {
    auto piece = co_await reader_->read_body_some();
    if (piece.empty()) break;
    try {
      proto::write_all(out_fd, piece);
    } catch (const std::system_error& e) {
      throw LocalIoError(std::string("cannot write the local file: ") + e.code().message());
    }
    hasher.update(piece);
    done += piece.size();
    if (progress) progress(done);
  }
  if (std::string received = hasher.hex(); received != info.xxh3) {
    error_in_step_ = true;  // the whole reply was read: the connection goes on
    throw RemoteError(Errc::checksum_mismatch, name + ": the bytes received (xxh3 " + received +
                                                   ") differ from the server's file (xxh3 " + info.xxh3 +
                                                   "); the local file was not kept");
  }
}

asio::awaitable<proto::Reply> Client::send_body_then_reply(const std::string& head, std::uint64_t id, int in_fd,
                                                           std::uint64_t size, const ProgressFn& progress) {
  try {
    co_await send_put_frames(head, id, in_fd, size, progress);
  } catch (const proto::ProtocolError&) {
    body_incomplete_ = true;
    throw LocalIoError("the local file changed size while it was being sent");
  } catch (const LocalIoError&) {
    body_incomplete_ = true;
    throw;
  } catch (const asio::system_error& e) {
    body_incomplete_ = true;
    // The server refused mid-body and closed: its reply, if it arrived, says
    // why better than "broken pipe" does.
    if (e.code() != asio::error::broken_pipe && e.code() != asio::error::connection_reset) throw;
  }
  proto::Reply reply = co_await read_reply(id);
  if (body_incomplete_) throw asio::system_error(asio::error::broken_pipe);
  co_return reply;
}

proto::FileInfo Client::put(const std::string& name, int in_fd, std::uint64_t size, const ProgressFn& progress) {
  return run([&]() -> asio::awaitable<proto::FileInfo> {
    if (!reader_) throw ConnectionError("not connected to " + target_text_);
    std::uint64_t id = next_id();
    nlohmann::json put = proto::to_header(proto::Request{id, proto::Put{name, size}});
    proto::Reply reply;
    if (size <= limits_.inline_put_max) {
      trace_frame_sent(put, size);
      std::string head = proto::encode_frame_head(put, size);
      reply = co_await send_body_then_reply(head, id, in_fd, size, progress);
    } else {
      // Announce first: a refusal (exists, too_large, no_space) costs no body.
      trace_frame_sent(put, 0);
      co_await proto::write_head(socket_, put, 0);
      reply = co_await read_reply(id);
      if (reply.status != proto::ReplyStatus::continue_) throw RemoteError(Errc::bad_frame, "expected continue");
      nlohmann::json data = proto::to_header(proto::Request{id, proto::Data{}});
      trace_frame_sent(data, size);
      std::string head = proto::encode_frame_head(data, size);
      reply = co_await send_body_then_reply(head, id, in_fd, size, progress);
    }
    co_return file_info_from_reply(reply.fields);
  }());
}

void Client::bye() {
  if (!connected()) return;
  try {
    run(request(proto::Bye{}));
  } catch (const std::exception&) {
  }
  disconnect();
}

std::uint64_t Client::send_gets(const std::vector<std::string>& names) {
  return run([&]() -> asio::awaitable<std::uint64_t> {
    if (!reader_) throw ConnectionError("not connected to " + target_text_);
    std::uint64_t first = last_id_ + 1;
    std::string frames;
    for (const auto& name : names) frames += proto::encode_frame_head(proto::to_header(proto::Request{next_id(), proto::Get{name}}), 0);
    co_await asio::async_write(socket_, asio::buffer(frames), asio::use_awaitable);
    co_return first;
  }());
}

proto::FileInfo Client::receive_get(std::uint64_t id, int out_fd, const std::function<void(const proto::FileInfo&)>& on_header,
                                    const ProgressFn& progress) {
  return run([&]() -> asio::awaitable<proto::FileInfo> {
    if (!reader_) throw ConnectionError("not connected to " + target_text_);
    proto::FrameHead head;
    proto::Reply reply = co_await read_reply(id, &head);
    proto::FileInfo info = file_info_from_reply(reply.fields);
    if (head.body_len != info.size) throw RemoteError(Errc::bad_frame, "get reply body does not match its size");
    if (on_header) on_header(info);
    co_await receive_body(info.name, info, out_fd, progress);
    co_return info;
  }());
}

std::uint64_t Client::send_inline_put(const std::string& name, int in_fd, std::uint64_t size) {
  return run([&]() -> asio::awaitable<std::uint64_t> {
    if (!reader_) throw ConnectionError("not connected to " + target_text_);
    std::uint64_t id = next_id();
    nlohmann::json put = proto::to_header(proto::Request{id, proto::Put{name, size}});
    std::string head = proto::encode_frame_head(put, size);
    trace_frame_sent(put, size);
    try {
      ProgressFn no_progress;
      co_await send_put_frames(head, id, in_fd, size, no_progress);
    } catch (const proto::ProtocolError&) {
      throw LocalIoError("the local file changed size while it was being sent");
    }
    co_return id;
  }());
}

proto::FileInfo Client::receive_put(std::uint64_t id) {
  return run([&]() -> asio::awaitable<proto::FileInfo> {
    if (!reader_) throw ConnectionError("not connected to " + target_text_);
    proto::Reply reply = co_await read_reply(id);
    co_return file_info_from_reply(reply.fields);
  }());
}

}  // namespace imgsh::shell
