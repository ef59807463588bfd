#include "shell/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

#include "protocol/endpoint_text.hpp"
#include "protocol/version.hpp"
#include "shell/request_steps.hpp"

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
  open_transport();
  try {
    say_hello();
  } catch (const RemoteError& e) {
    disconnect();  // refused (busy, version, token): the server closes anyway
    throw RemoteError(e.code(), e.what());  // a Refusal too: the session did not start
  }
}

// TCP, then the TLS handshake when asked for; the frame reader on top.
void Connection::open_transport() {
  asio::error_code ec;
  tcp::resolver resolver(bridge_.io());
  auto endpoints = resolver.resolve(host_, port_, ec);
  if (ec) throw ConnectionError("cannot resolve " + host_ + ": " + ec.message());
  tcp::socket plain(bridge_.io());
  asio::connect(plain, endpoints, ec);
  if (ec) throw ConnectionError("cannot connect to " + target_text_ + ": " + ec.message());
  plain.set_option(tcp::no_delay(true), ec);
  server_text_ = proto::endpoint_text(plain.remote_endpoint(ec));
  stream_ = tls_ ? proto::NetStream(std::move(plain), *tls_) : proto::NetStream(std::move(plain));
  if (stream_.tls()) {
    auto findings = std::make_shared<VerifyFindings>();
    prepare_tls_stream(*stream_.tls(), host_, tls_insecure_, findings);
    stream_.tls()->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      disconnect();
      throw ConnectionError("TLS to " + target_text_ + " refused: " + explain_tls_failure(ec, *findings, host_));
    }
  }
  reader_.emplace(stream_);
}

void Connection::say_hello() {
  proto::RequestBody hello = proto::Hello{proto::kProtocolVersion, "imgsh/" IMGSH_VERSION, token_};
  hello_ = run([&]() -> asio::awaitable<proto::HelloReply> {
    proto::Reply reply = co_await request(*this, hello);
    co_return proto::parse_hello_reply(reply);
  }());
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
