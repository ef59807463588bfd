#pragma once
// The acceptor loop, the set of live sessions, and orderly shutdown.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <map>
#include <string>
#include <unordered_map>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/ssl/context.hpp>
#include <asio/strand.hpp>

#include "server/gatekeeper.hpp"
#include "server/server_options.hpp"
#include "server/request_context.hpp"
#include "server/storage.hpp"

namespace imgsh::server {

class Session;

class Listener {
 public:
  // Binds and listens; throws std::runtime_error with a one-line reason.
  Listener(asio::io_context& io, const ServerOptions& options);

  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  // Before start(): speak TLS with this context on every connection; ask
  // every hello for a token. Both outlive the listener.
  void use_tls(asio::ssl::context& context) { tls_ = &context; }
  void use_gatekeeper(Gatekeeper& gate) { gate_ = &gate; }
  // Before start(): count sessions and requests here (stats, --metrics-listen).
  void use_metrics(Metrics& metrics) { metrics_ = &metrics; }
  // Before start(): on SIGHUP, run `reload` on the accepting strand, where it
  // may call use_tls() with a new context (certificate rotation): connections
  // accepted afterwards use it, sessions in flight keep theirs.
  void on_reload(std::function<void()> reload) { reload_ = std::move(reload); }
  // Starts accepting, with sessions served from `store` (which outlives
  // them), and handles SIGINT/SIGTERM.
  void start(const Storage& store);

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> refuse_busy(asio::ip::tcp::socket socket, std::string why);
  void begin_shutdown(int signal_number);
  void log_cut_requests();
  void wait_for_hangup();
  // Why a new connection from `address` may not have a session, or "" if it may.
  std::string over_limit(const asio::ip::address& address);
  void add(const std::shared_ptr<Session>& session, const asio::ip::address& address);
  void remove(Session* session);

  asio::io_context& io_;
  // Accepting, signals and shutdown run on one strand, so they never race.
  asio::strand<asio::io_context::executor_type> control_;
  const ServerOptions& options_;
  Gatekeeper* gate_ = nullptr;
  Metrics* metrics_ = nullptr;
  std::optional<ServerContext> server_;  // what every session shares; set by start()
  asio::ip::tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::signal_set hangup_;
  std::function<void()> reload_;
  asio::steady_timer grace_timer_;
  asio::ssl::context* tls_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  struct Entry {
    std::weak_ptr<Session> session;
    asio::ip::address address;
  };
  std::unordered_map<Session*, Entry> sessions_;
  std::map<asio::ip::address, std::size_t> per_address_;  // live sessions by client address
  std::atomic<std::size_t> open_sessions_{0};  // sessions_.size(), readable without the lock (ping)
};

}  // namespace imgsh::server
