#include "server/session.hpp"

#include <optional>

#include <asio/ssl/error.hpp>
#include <spdlog/spdlog.h>

#include "protocol/endpoint_text.hpp"
#include "server/graceful_close.hpp"
#include "server/handlers.hpp"
#include "server/log_text.hpp"
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

std::string requested_op(const nlohmann::json& header) {
  auto it = header.find("op");
  return it != header.end() && it->is_string() ? log_safe(it->get<std::string>(), 32) : "?";
}

}  // namespace

Session::Session(proto::NetStream socket, const Store& store, const ServerOptions& options, Gatekeeper* gate)
    : socket_(std::move(socket)), reader_(socket_), store_(store), options_(options), gate_(gate) {
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
  try {
    if (socket_.tls()) {
      std::chrono::steady_clock::duration limit = kTlsHandshakeLimit;
      std::string agreed = co_await accept_tls(socket_, limit);
      spdlog::info("{} {}", peer_, agreed);
    }
    while (!closing_) {
      idle_ = true;
      proto::FrameHead head = co_await reader_.read_header();
      idle_ = false;
      co_await serve(head);
    }
  } catch (const ProtocolError& e) {
    frame_error = e;
  } catch (const TlsRefused& e) {
    end = e.what();
  } catch (const asio::system_error& e) {
    if (e.code() == asio::error::eof || e.code() == asio::ssl::error::stream_truncated) {
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
  if (frame_error) {
    spdlog::warn("{} {} {}", peer_, to_string(frame_error->code()), frame_error->what());
    end = "closed after a framing error";
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
  spdlog::info("{} {}", peer_, end);
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
}

asio::awaitable<std::string> Session::dispatch(const proto::Request& request, std::uint64_t body_len) {
  RequestContext ctx{socket_, reader_, store_, options_, request.id, body_len, closing_};
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

asio::awaitable<void> Session::serve(const proto::FrameHead& head) {
  std::uint64_t id = 0;
  std::string op = requested_op(head.header);
  std::string file = requested_name(head.header);
  std::string what = op + (file.empty() ? "" : " " + file);
  std::optional<ProtocolError> refusal;
  try {
    proto::Request request = proto::parse_request(head.header, id);
    check_sequence(request);
    std::string message = co_await dispatch(request, head.body_len);
    spdlog::info("{} {} ok {}", peer_, what, message);
  } catch (const ProtocolError& e) {
    refusal = e;
  } catch (const asio::system_error& e) {
    spdlog::info("{} {} fail connection_lost: {}", peer_, what, e.code().message());
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
  // A body still on its way is read and dropped when small; a large one is
  // not worth reading: reply and close instead.
  if (reader_.in_body()) {
    if (reader_.body_remaining() <= options_.inline_put_max && !closing_) {
      co_await reader_.skip_body();
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
