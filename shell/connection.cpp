#include "shell/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <asio/connect.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/endpoint_text.hpp"
#include "protocol/version.hpp"
#include "shell/cancel_request.hpp"
#include "shell/name_lookup.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/request_steps.hpp"
#include "protocol/display_text.hpp"

namespace imgsh::shell {
namespace {

using tcp = asio::ip::tcp;

std::string target_of(const std::string& host, const std::string& port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

}  // namespace

Connection::Connection(std::string host, std::string port)
    : host_(std::move(host)),
      port_(std::move(port)),
      target_text_(target_of(host_, port_)),
      server_text_(target_text_),
      stream_(tcp::socket(bridge_.io())) {}

Connection::~Connection() { disconnect(); }

void Connection::use_tls(const TlsSettings& settings) {
  try {
    tls_ = make_client_tls_context(settings);
  } catch (const std::exception& e) {
    throw ConnectionError(e.what());
  }
  tls_insecure_ = settings.insecure;
}

void Connection::connect() {
  disconnect();
  // Every step of connecting has the connect deadline (or a shorter one already set, as completion's).
  auto saved = bridge_.reply_timeout();
  bool shorter = saved.count() > 0 && (connect_timeout_.count() == 0 || saved < connect_timeout_);
  bridge_.set_reply_timeout(shorter ? saved : connect_timeout_);
  try {
    open_transport();
    say_hello();
  } catch (const RemoteError& e) {
    bridge_.set_reply_timeout(saved);
    disconnect();  // refused (busy, version, token): the server closes anyway
    throw RemoteError(e.code(), e.what());  // a Refusal too: the session did not start
  } catch (...) {
    bridge_.set_reply_timeout(saved);
    disconnect();
    throw;
  }
  bridge_.set_reply_timeout(saved);
}

[[noreturn]] void Connection::timed_out(const char* what) const {
  throw TimedOut("timed out: " + std::string(what) + " " + target_text_ + " within " +
                 std::to_string(bridge_.reply_timeout().count()) + " ms (--connect-timeout)");
}

// A token over plain TCP can be read by anyone on the path: only to loopback,
// unless the user said otherwise. Checked before any connection is made.
void Connection::refuse_plaintext_token(const tcp::resolver::results_type& endpoints) const {
  if (tls_ || token_.empty() || allow_plaintext_token_) return;
  for (const auto& e : endpoints) {
    if (!e.endpoint().address().is_loopback()) {
      throw ConnectionError("refusing to send the token in clear over plain TCP to " + target_text_ + " (" +
                            e.endpoint().address().to_string() +
                            " is not a loopback address): use TLS (--tls, --ca or imgs://), or "
                            "--allow-plaintext-token if anyone on the path may read it");
    }
  }
}

// The name, TCP (Ctrl-C and the connect deadline apply to both), then the TLS
// handshake when asked for; the frame reader on top.
void Connection::open_transport() {
  asio::error_code ec;
  NameLookup lookup = look_up(host_, port_, bridge_.reply_timeout(), bridge_.interrupt_fd());
  if (lookup.end == NameLookup::End::interrupted) throw Interrupted("interrupted");
  if (lookup.end == NameLookup::End::timed_out) timed_out("no address (name lookup) for");
  if (lookup.error) throw ConnectionError("cannot resolve " + host_ + ": " + lookup.error.message());
  const auto& endpoints = lookup.endpoints;
  refuse_plaintext_token(endpoints);
  tcp::socket plain(bridge_.io());
  try {
    ec = bridge_.run(plain, target_text_, [&]() -> asio::awaitable<asio::error_code> {
      asio::error_code failed;
      co_await asio::async_connect(plain, endpoints, asio::redirect_error(asio::use_awaitable, failed));
      co_return failed;
    }());
  } catch (const TimedOut&) {
    timed_out("no TCP connection to");
  }
  if (ec) throw ConnectionError("cannot connect to " + target_text_ + ": " + ec.message());
  plain.set_option(tcp::no_delay(true), ec);
  server_text_ = proto::endpoint_text(plain.remote_endpoint(ec));
  stream_ = tls_ ? proto::NetStream(std::move(plain), *tls_) : proto::NetStream(std::move(plain));
  if (stream_.tls()) tls_handshake();
  reader_.emplace(stream_);
}

void Connection::tls_handshake() {
  auto findings = std::make_shared<VerifyFindings>();
  prepare_tls_stream(*stream_.tls(), host_, tls_insecure_, findings);
  asio::error_code ec;
  try {
    ec = bridge_.run(stream_.tcp(), target_text_, [&]() -> asio::awaitable<asio::error_code> {
      asio::error_code failed;
      co_await stream_.tls()->async_handshake(asio::ssl::stream_base::client,
                                              asio::redirect_error(asio::use_awaitable, failed));
      co_return failed;
    }());
  } catch (const TimedOut&) {
    timed_out("no TLS handshake (is it a TLS server?) with");
  }
  if (ec) throw ConnectionError("TLS to " + target_text_ + " refused: " + explain_tls_failure(ec, *findings, host_));
}

// Someone else's server answers a stray connection with its own greeting;
// naming it beats "bad frame". Only over plain TCP (over TLS the handshake fails first).
void Connection::recognize_foreign_peer() {
  char head[8];
  ssize_t n = ::recv(stream_.tcp().native_handle(), head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
  std::string_view first(head, n > 0 ? static_cast<std::size_t>(n) : 0);
  auto starts = [&](std::string_view p) { return first.substr(0, p.size()) == p; };
  std::string what;
  if (starts("SSH-")) what = "an SSH server";
  else if (starts("HTTP/") || starts("<!DOC") || starts("<html") || starts("<HTML")) what = "an HTTP server";
  if (!what.empty()) throw ConnectionError(target_text_ + " is not an imgsrv: this is " + what + " (it answered \"" +
                                           proto::escape_for_display(first) + "...\")");
}

void Connection::say_hello() {
  proto::RequestBody hello = proto::Hello{proto::kProtocolVersion, "imgsh/" IMGSH_VERSION, token_};
  try {
    hello_ = run([&]() -> asio::awaitable<proto::HelloReply> {
      std::uint64_t id = next_id();
      nlohmann::json header = proto::to_header(proto::Request{id, hello});
      trace_frame_sent(header, 0);
      co_await proto::write_frame(stream(), header);
      if (!stream_.tls()) {
        co_await stream_.tcp().async_wait(tcp::socket::wait_read, asio::use_awaitable);
        recognize_foreign_peer();
      }
      proto::Reply reply = co_await read_reply(*this, id);
      co_return proto::parse_hello_reply(reply);
    }());
  } catch (const TimedOut&) {
    timed_out("no answer to hello (is it an imgsrv?) from");
  }
}

// Between requests nothing may arrive: a readable socket means the server
// closed it (or sent an unsolicited error before closing).
bool Connection::peer_closed_or_out_of_step() {
  if (!reader_->idle()) return true;
  char byte;
  ssize_t n = ::recv(stream_.tcp().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool Connection::ensure_connected() {
  if (connected() && !peer_closed_or_out_of_step()) return false;
  connect();
  return true;
}

void Connection::tell_cancelled() {
  UniqueFd socket = bridge_.take_interrupted_socket();
  if (socket && !stream_.tls()) send_cancel(socket.get(), last_id_);
}

void Connection::disconnect() {
  asio::error_code ec;
  if (stream_.is_open()) {
    stream_.tcp().shutdown(tcp::socket::shutdown_both, ec);
    stream_.tcp().close(ec);
  }
  reader_.reset();
}

proto::NetStream& Connection::stream() {
  if (!reader_) throw ConnectionError("not connected to " + target_text_);
  return stream_;
}

proto::FrameReader<proto::NetStream>& Connection::reader() {
  if (!reader_) throw ConnectionError("not connected to " + target_text_);
  return *reader_;
}

}  // namespace imgsh::shell
