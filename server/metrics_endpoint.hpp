#pragma once
// --metrics-listen ADDR:PORT: the server's counters as Prometheus text, over
// plain HTTP/1.1 on an acceptor of its own (kept apart from the imgsh port, so
// a firewall or the bind address can keep it private). Small by design: it
// answers GET /metrics and nothing else (404, 405, 400 for a malformed
// request), reads at most kMaxHttpHead bytes of request, gives each
// connection kMetricsDeadline in all, serves at most kMaxMetricsConnections at
// once, and closes after every response (Connection: close).
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/strand.hpp>

#include "server/metrics.hpp"

namespace imgsh::server {

inline constexpr std::chrono::seconds kMetricsDeadline{3};
inline constexpr int kMaxMetricsConnections = 16;

// "127.0.0.1:9100", "[::1]:9100", "0.0.0.0:0" (port 0: any free port). nullopt
// and `why` when it is not an IP address and a port.
std::optional<asio::ip::tcp::endpoint> parse_listen_address(const std::string& text, std::string& why);

class MetricsEndpoint {
 public:
  // Binds; throws std::runtime_error with a one-line reason.
  MetricsEndpoint(asio::io_context& io, const asio::ip::tcp::endpoint& where, const Metrics& metrics);
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  // Accepts until SIGINT or SIGTERM (then the io_context may run out of work).
  void start();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  asio::awaitable<int> exchange(asio::ip::tcp::socket& socket);

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> control_;
  const Metrics& metrics_;
  asio::ip::tcp::acceptor acceptor_;
  asio::signal_set signals_;
  std::atomic<int> active_{0};
};

}  // namespace imgsh::server
