#include "server/tls_accept.hpp"

#include <sys/socket.h>

#include <memory>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "server/graceful_close.hpp"

namespace imgsh::server {
namespace {

constexpr unsigned char kTlsHandshakeRecord = 0x16;

// The first byte the client sent, without consuming it; -1 if none came.
asio::awaitable<int> peek_first_byte(asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  co_await socket.async_wait(asio::ip::tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return -1;
  unsigned char byte = 0;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK);
  co_return n == 1 ? int{byte} : -1;
}

}  // namespace

asio::awaitable<std::string> accept_tls(proto::NetStream& stream, std::chrono::steady_clock::duration limit) {
  asio::ip::tcp::socket& socket = stream.tcp();
  // The deadline may fire after this coroutine is over: `finished` tells its
  // handler not to touch the socket then (both run on the session's strand).
  auto finished = std::make_shared<bool>(false);
  auto expired = std::make_shared<bool>(false);
  asio::steady_timer deadline(socket.get_executor(), limit);
  deadline.async_wait([&socket, finished, expired](const asio::error_code& timer_ec) {
    asio::error_code ignored;
    if (timer_ec || *finished) return;
    *expired = true;
    socket.cancel(ignored);
  });
  struct Disarm {
    std::shared_ptr<bool> finished;
    asio::steady_timer& deadline;
    ~Disarm() {
      *finished = true;
      deadline.cancel();
    }
  } disarm{finished, deadline};

  int first = co_await peek_first_byte(socket);
  if (*expired) throw TlsRefused("TLS handshake not started within the time limit");
  if (first < 0) throw TlsRefused("closed before the TLS handshake");
  if (first != kTlsHandshakeRecord) {
    nlohmann::json reply = proto::error_reply(
        0, proto::Errc::tls_required, "this server speaks TLS only: connect with --tls or imgs://HOST:PORT");
    try {
      co_await proto::write_frame(socket, reply);
    } catch (const std::exception&) {
    }
    *finished = true;
    co_await close_after_reply(socket);
    throw TlsRefused("refused a plain (non-TLS) client");
  }
  asio::error_code ec;
  co_await stream.tls()->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (*expired) throw TlsRefused("TLS handshake not completed within the time limit");
  if (ec) throw TlsRefused("TLS handshake failed: " + ec.message());
  SSL* ssl = stream.tls()->native_handle();
  co_return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

}  // namespace imgsh::server
