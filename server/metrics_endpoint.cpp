#include "server/metrics_endpoint.hpp"

#include <csignal>

#include <asio/experimental/as_tuple.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "protocol/endpoint_text.hpp"
#include "protocol/version.hpp"
#include "server/graceful_close.hpp"
#include "server/metrics_http.hpp"
#include "server/metrics_text.hpp"

namespace imgsh::server {
namespace {

using asio::ip::tcp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

std::optional<tcp::endpoint> parse_listen_address(const std::string& text, std::string& why) {
  why = "'" + text + "' is not ADDR:PORT (an IP address and a port, e.g. 127.0.0.1:9100 or [::1]:9100)";
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  unsigned long number = std::stoul(port);
  if (number > 65535) return std::nullopt;
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(number));
}

MetricsEndpoint::MetricsEndpoint(asio::io_context& io, const tcp::endpoint& where, const Metrics& metrics)
    : io_(io), control_(asio::make_strand(io)), metrics_(metrics), acceptor_(control_), signals_(control_, SIGINT, SIGTERM) {
  try {
    acceptor_.open(where.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(where);
    acceptor_.listen();
  } catch (const asio::system_error& e) {
    throw std::runtime_error("--metrics-listen " + proto::endpoint_text(where) + ": " +
                             (e.code() == asio::error::address_in_use ? "the port is already in use" : e.code().message()));
  }
}

void MetricsEndpoint::start() {
  asio::co_spawn(control_, accept_loop(), asio::detached);
  // The listener ends the imgsh sessions on these; this acceptor closes with them.
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (ec) return;
    asio::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> MetricsEndpoint::accept_loop() {
  asio::steady_timer backoff(control_);
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kTuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {  // out of descriptors: the connection stays queued, so pause rather than spin
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
}

// One request, one response, then close; the whole exchange within kMetricsDeadline.
asio::awaitable<void> MetricsEndpoint::serve(tcp::socket socket) {
  using namespace asio::experimental::awaitable_operators;
  asio::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  std::string who = ec ? "?" : proto::endpoint_text(peer);
  int status = 0;
  if (++active_ > kMaxMetricsConnections) {
    std::string busy = http_response({503, "Service Unavailable"}, "too many metrics connections\n");
    co_await asio::async_write(socket, asio::buffer(busy), kTuple);  // fits a fresh socket's buffer
    status = 503;
  } else {
    asio::steady_timer deadline(socket.get_executor(), kMetricsDeadline);
    try {
      auto done = co_await (exchange(socket) || deadline.async_wait(asio::use_awaitable));
      if (done.index() == 0) status = std::get<0>(done);
    } catch (const std::exception&) {
    }
  }
  --active_;
  // A scrape is routine; anything else (a probe, a wrong path, a slow client) is worth a line.
  spdlog::log(status == 200 ? spdlog::level::debug : spdlog::level::info, "metrics {} {}", who,
              status ? std::to_string(status) : "closed without an answer (timed out or gone)");
  if (status && status != 200) {
    co_await close_after_reply(socket);  // unread request bytes must not reset the answer away
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// Reads the request head (bounded), answers it; returns the status sent (0: none).
asio::awaitable<int> MetricsEndpoint::exchange(tcp::socket& socket) {
  std::string head;
  char piece[1024];
  std::optional<HttpAnswer> answer;
  while (!answer) {
    std::size_t room = std::min(sizeof piece, kMaxHttpHead - std::min(head.size(), kMaxHttpHead) + 1);
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(piece, room), kTuple);
    head.append(piece, n);
    if (ec && head.empty()) co_return 0;  // a TCP probe: connected and left
    answer = answer_http_head(head, static_cast<bool>(ec));
  }
  std::string body;
  if (answer->metrics) {
    body = prometheus_text(metrics_.snapshot("imgsrv/" IMGSH_VERSION));
  } else {
    body = std::to_string(answer->status) + " " + std::string(answer->reason) + ": this endpoint serves GET /metrics only\n";
  }
  std::string response = http_response(*answer, body);
  co_await asio::async_write(socket, asio::buffer(response), asio::use_awaitable);
  co_return answer->status;
}

}  // namespace imgsh::server
