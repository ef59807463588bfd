#include "server/session.hpp"

#include <optional>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include "protocol/endpoint_text.hpp"
#include "server/graceful_close.hpp"
#include "server/handlers.hpp"
#include "server/log_text.hpp"
#include "server/put_trailer.hpp"
#include "server/tls_accept.hpp"
#include "protocol/version.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

// A client that has not finished its TLS handshake by then is dropped.
constexpr std::chrono::seconds kTlsHandshakeLimit{10};

std::string requested_name(const nlohmann::json& header) {
  auto it = header.find("name");
  return it != header.end() && it->is_string() ? log_safe(it->get<std::string>()) : "";
}

SessionWatchdog::Duration seconds(double s) {
  return std::chrono::duration_cast<SessionWatchdog::Duration>(std::chrono::duration<double>(s));
}

std::string requested_op(const nlohmann::json& header) {
  auto it = header.find("op");
  return it != header.end() && it->is_string() ? log_safe(it->get<std::string>(), 32) : "?";
}

}  // namespace

Session::Session(proto::NetStream socket, const Store& store, const ServerOptions& options, Gatekeeper* gate)
    : socket_(std::move(socket)), reader_(socket_), store_(store), options_(options), gate_(gate),
      watchdog_(socket_.tcp()) {
  asio::error_code ec;
  auto ep = socket_.tcp().remote_endpoint(ec);
  peer_ = ec ? "?" : proto::endpoint_text(ep);
  socket_.tcp().set_option(asio::ip::tcp::no_delay(true), ec);
}

void Session::stop() {
  closing_ = true;
  if (idle_) {
    asio::error_code ec;
    socket_.tcp().shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
    socket_.tcp().cancel(ec);
  }
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  spdlog::info("{} connected", peer_);
  std::string end = "closed";
  std::optional<ProtocolError> frame_error;
  asio::co_spawn(executor(), [self]() -> asio::awaitable<void> { co_await self->watchdog_.run(); }, asio::detached);
  using Phase = SessionWatchdog::Phase;
  try {
    if (socket_.tls()) {
      std::chrono::steady_clock::duration limit = kTlsHandshakeLimit;
      std::string agreed = co_await accept_tls(socket_, limit);
      spdlog::info("{} {}", peer_, agreed);
    }
    while (!closing_) {
      idle_ = true;
      if (reader_.idle()) {
        watchdog_.arm(Phase::idle, seconds(options_.idle_timeout));
        co_await wait_for_request();
      }
      watchdog_.arm(Phase::header, seconds(options_.header_timeout));
      proto::FrameHead head = co_await reader_.read_header();
      idle_ = false;
      watchdog_.arm(Phase::request, seconds(options_.body_timeout));
      co_await serve(head);
    }
  } catch (const ProtocolError& e) {
    frame_error = e;
  } catch (const TlsRefused& e) {
    end = e.what();
  } catch (const asio::system_error& e) {
    if (auto phase = watchdog_.fired()) {
      end = std::string("timed out (") + phase_name(*phase) + ")";
      // A client that still takes our bytes is told why; one that does not
      // would only stall the reply too.
      if (!watchdog_.peer_not_reading()) frame_error = ProtocolError(Errc::timeout, timeout_message(*phase));
    } else if (e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated) {
      end = "closed by client";
    } else if (e.code() == asio::error::operation_aborted || closing_) {
      end = "closed at shutdown";
    } else {
      end = "connection lost: " + e.code().message();
    }
  } catch (const std::exception& e) {
    spdlog::error("{} {}", peer_, e.what());
    end = "closed after an internal error";
  }
  watchdog_.disarm();
  if (frame_error) {
    spdlog::warn("{} {} {}", peer_, to_string(frame_error->code()), frame_error->what());
    if (frame_error->code() != Errc::timeout) end = "closed after a framing error";
    linger_ = true;
    nlohmann::json reply = proto::error_reply(0, frame_error->code(), frame_error->what());
    try {
      co_await proto::write_frame(socket_, reply);
    } catch (const std::exception&) {
    }
  }
  if (linger_) co_await close_after_reply(socket_.tcp());
  asio::error_code ec;
  socket_.tcp().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.tcp().close(ec);
  watchdog_.stop();
  spdlog::info("{} {}", peer_, end);
}

std::string Session::timeout_message(SessionWatchdog::Phase phase) const {
  switch (phase) {
    case SessionWatchdog::Phase::idle:
      return "no request for " + fmt::format("{:g}", options_.idle_timeout) + " s; closing";
    case SessionWatchdog::Phase::header:
      return "request header not complete after " + fmt::format("{:g}", options_.header_timeout) + " s; closing";
    default:
      return "transfer stalled for " + fmt::format("{:g}", options_.body_timeout) + " s; closing";
  }
}

void Session::check_sequence(const proto::Request& request) {
  bool is_hello = std::holds_alternative<proto::Hello>(request.body);
  if (!hello_done_ && !is_hello) {
    closing_ = true;
    throw ProtocolError(Errc::bad_request, "the first request must be hello");
  }
  if (hello_done_ && is_hello) throw ProtocolError(Errc::bad_request, "hello was already sent");
  if (std::holds_alternative<proto::Data>(request.body)) {
    throw ProtocolError(Errc::bad_request, "a data frame must follow a put announcement and its continue reply");
  }
  if (std::holds_alternative<proto::Checksum>(request.body)) {
    throw ProtocolError(Errc::bad_request, "a checksum frame must follow a put body");
  }
}

asio::awaitable<std::string> Session::dispatch(const proto::Request& request, std::uint64_t body_len) {
  RequestContext ctx{socket_, reader_, store_, options_, request.id, body_len, closing_, trailer_due_};
  if (!std::holds_alternative<proto::Put>(request.body) && body_len != 0) {
    throw ProtocolError(Errc::bad_request, std::string(proto::op_name(request.body)) + " takes no body");
  }
  if (const auto* hello = std::get_if<proto::Hello>(&request.body)) {
    if (hello->version != proto::kProtocolVersion) {
      closing_ = true;
      throw ProtocolError(Errc::bad_request, "protocol version " + std::to_string(hello->version) +
                                                 " is not supported; this server speaks version 1");
    }
    if (gate_) {
      asio::error_code ec;
      auto address = socket_.tcp().remote_endpoint(ec).address();
      rights_ = co_await gate_->admit(hello->token, address);
    }
    hello_done_ = true;
    proto::Limits limits{options_.max_file_size, options_.inline_put_max, proto::kMaxHeaderLen};
    nlohmann::json reply = proto::hello_reply(request.id, "imgsrv/" IMGSH_VERSION, limits);
    co_await proto::write_frame(socket_, reply);
    std::string token_note = gate_ ? std::string(" (") + std::string(to_string(rights_)) + " token)" : "";
    co_return "client " + log_safe(hello->client, 64) + token_note;
  }
  if (std::holds_alternative<proto::Bye>(request.body)) {
    closing_ = true;
    nlohmann::json reply = proto::ok_reply(request.id);
    co_await proto::write_frame(socket_, reply);
    co_return "goodbye";
  }
  if (rights_ == Rights::read_only && std::holds_alternative<proto::Put>(request.body)) {
    throw ProtocolError(Errc::forbidden, "this token is read-only (ro): put needs a token with rw rights");
  }
  Outcome outcome;
  if (const auto* list = std::get_if<proto::List>(&request.body)) {
    outcome = co_await handle_list(ctx, *list);
  } else if (const auto* stat = std::get_if<proto::Stat>(&request.body)) {
    outcome = co_await handle_stat(ctx, *stat);
  } else if (const auto* get = std::get_if<proto::Get>(&request.body)) {
    outcome = co_await handle_get(ctx, *get);
  } else if (const auto* put = std::get_if<proto::Put>(&request.body)) {
    outcome = co_await handle_put(ctx, *put);
  }
  co_return outcome.message;
}

// Plain TCP waits on the socket, touching no buffer while idle. A TLS layer may
// already hold the next request's bytes (it reads ahead whole records), so a
// TLS session reads into the frame buffer instead of waiting on the socket.
asio::awaitable<void> Session::wait_for_request() {
  if (socket_.tls()) {
    co_await reader_.wait_readable();
  } else {
    co_await socket_.tcp().async_wait(asio::ip::tcp::socket::wait_read, asio::use_awaitable);
  }
}

asio::awaitable<void> Session::serve(const proto::FrameHead& head) {
  std::uint64_t id = 0;
  std::string op = requested_op(head.header);
  std::string file = requested_name(head.header);
  std::string what = op + (file.empty() ? "" : " " + file);
  std::optional<ProtocolError> refusal;
  trailer_due_ = op == "put" && head.body_len > 0;
  try {
    proto::Request request = proto::parse_request(head.header, id);
    check_sequence(request);
    std::string message = co_await dispatch(request, head.body_len);
    spdlog::info("{} {} ok {}", peer_, what, message);
  } catch (const ProtocolError& e) {
    refusal = e;
  } catch (const asio::system_error& e) {
    if (auto phase = watchdog_.fired()) {
      spdlog::info("{} {} fail timeout: {}", peer_, what, timeout_message(*phase));
    } else {
      spdlog::info("{} {} fail connection_lost: {}", peer_, what, e.code().message());
    }
    throw;
  } catch (const std::exception& e) {
    spdlog::info("{} {} fail internal: {}", peer_, what, log_safe(e.what()));
    throw;
  }
  if (!refusal) co_return;
  if (!hello_done_) closing_ = true;  // nothing but hello opens a session
  if (refusal->code() == Errc::bad_frame) {
    closing_ = true;  // the stream is no longer in step
    id = 0;
  }
  // A body still on its way (and a put body's checksum trailer) is read and
  // dropped when small; a large one is not worth reading: reply and close instead.
  if (reader_.in_body() || trailer_due_) {
    if (reader_.body_remaining() <= options_.inline_put_max && !closing_) {
      co_await reader_.skip_body();
      if (trailer_due_) {
        try {
          co_await read_put_trailer(reader_, id, closing_);
        } catch (const ProtocolError&) {
          // Not the trailer: closing_ is set; the refusal still goes out first.
        }
      }
    } else {
      closing_ = true;
    }
  }
  nlohmann::json reply = proto::error_reply(id, refusal->code(), refusal->what());
  co_await proto::write_frame(socket_, reply);
  spdlog::info("{} {} fail {}: {}", peer_, what, to_string(refusal->code()), log_safe(refusal->what()));
  if (closing_) linger_ = true;
}

}  // namespace imgsh::server
