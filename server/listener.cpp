#include "server/listener.hpp"

#include <csignal>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "protocol/endpoint_text.hpp"
#include "protocol/frame_stream.hpp"
#include "server/graceful_close.hpp"
#include "server/session.hpp"
#include "server/systemd_notify.hpp"

namespace imgsh::server {
namespace {

using asio::ip::tcp;

std::string bind_failure(const asio::system_error& e, const std::string& where, std::uint16_t port) {
  if (e.code() == asio::error::address_in_use) return "port " + std::to_string(port) + " is already in use";
  if (e.code() == asio::error::access_denied) return "no permission to listen on port " + std::to_string(port);
  return "cannot listen on " + where + ": " + e.code().message();
}

void open_and_bind(tcp::acceptor& acceptor, const tcp::endpoint& ep, bool dual_stack) {
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  if (dual_stack) acceptor.set_option(asio::ip::v6_only(false));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

}  // namespace

Listener::Listener(asio::io_context& io, const ServerOptions& options)
    : io_(io),
      control_(asio::make_strand(io)),
      options_(options),
      acceptor_(control_),
      signals_(control_, SIGINT, SIGTERM),
      hangup_(control_),
      grace_timer_(control_) {
  std::string where = options.bind.empty() ? "all interfaces" : options.bind;
  try {
    if (!options.bind.empty()) {
      asio::error_code ec;
      auto addr = asio::ip::make_address(options.bind, ec);
      if (ec) throw std::runtime_error("invalid bind address '" + options.bind + "'");
      open_and_bind(acceptor_, tcp::endpoint(addr, options.port), false);
    } else {
      try {
        open_and_bind(acceptor_, tcp::endpoint(tcp::v6(), options.port), true);
      } catch (const asio::system_error& e) {
        if (e.code() != asio::error::address_family_not_supported) throw;
        acceptor_.close();
        open_and_bind(acceptor_, tcp::endpoint(tcp::v4(), options.port), false);
      }
    }
  } catch (const asio::system_error& e) {
    throw std::runtime_error(bind_failure(e, where, options.port));
  }
}

void Listener::start(const Storage& store) {
  server_.emplace(ServerContext{store, options_, gate_, &open_sessions_, metrics_});
  asio::co_spawn(control_, accept_loop(), asio::detached);
  signals_.async_wait([this](const asio::error_code& ec, int signal_number) {
    if (!ec) begin_shutdown(signal_number);
  });
  if (reload_) {
    hangup_.add(SIGHUP);
    wait_for_hangup();
  }
}

void Listener::wait_for_hangup() {
  hangup_.async_wait([this](const asio::error_code& ec, int) {
    if (ec || stopping_) return;
    reload_();
    wait_for_hangup();
  });
}

asio::awaitable<void> Listener::accept_loop() {
  asio::steady_timer backoff(control_);
  while (!stopping_) {
    asio::error_code ec;
    auto session_strand = asio::make_strand(io_);
    tcp::socket socket = co_await acceptor_.async_accept(session_strand, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_ || ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of descriptors or memory: the connection stays queued, so retrying
      // at once would spin. Pause, keep serving the others, try again.
      spdlog::warn("accept failed: {}; pausing new connections for 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto peer = socket.remote_endpoint(ec);
    if (ec) continue;  // already gone
    if (std::string why = over_limit(peer.address()); !why.empty()) {
      auto executor = socket.get_executor();
      asio::co_spawn(executor, refuse_busy(std::move(socket), std::move(why)), asio::detached);
      continue;
    }
    proto::NetStream stream = tls_ ? proto::NetStream(std::move(socket), *tls_) : proto::NetStream(std::move(socket));
    auto session = std::make_shared<Session>(std::move(stream), *server_);
    add(session, peer.address());
    asio::co_spawn(session->executor(), session->run(), [this, raw = session.get()](std::exception_ptr) { remove(raw); });
  }
}

std::string Listener::over_limit(const asio::ip::address& address) {
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= options_.max_sessions) {
    return std::to_string(options_.max_sessions) + " sessions open, try again later";
  }
  auto it = per_address_.find(address);
  if (it != per_address_.end() && it->second >= options_.max_sessions_per_address) {
    return std::to_string(options_.max_sessions_per_address) + " sessions already open from " + address.to_string() +
           " (the limit per address); close one first";
  }
  return "";
}

asio::awaitable<void> Listener::refuse_busy(tcp::socket socket, std::string why) {
  asio::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  std::string who = ec ? "?" : proto::endpoint_text(peer);
  spdlog::warn("{} refused: server busy: {}", who, why);
  std::string message = "server busy: " + why;
  nlohmann::json reply = proto::error_reply(0, proto::Errc::busy, message);
  try {
    co_await proto::write_frame(socket, reply);
  } catch (const std::exception&) {
  }
  co_await close_after_reply(socket);
}

void Listener::add(const std::shared_ptr<Session>& session, const asio::ip::address& address) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), Entry{session, address});
  ++per_address_[address];
  open_sessions_ = sessions_.size();
  if (metrics_) metrics_->session_opened();
}

void Listener::remove(Session* session) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(session); it != sessions_.end()) {
    auto count = per_address_.find(it->second.address);
    if (count != per_address_.end() && --count->second == 0) per_address_.erase(count);
    sessions_.erase(it);
    if (metrics_) metrics_->session_closed();
  }
  open_sessions_ = sessions_.size();
  if (stopping_ && sessions_.empty()) {
    asio::post(control_, [this] { grace_timer_.cancel(); });
  }
}

// Each request still going gets its summary line: the sessions' coroutines
// never resume once the io_context stops.
void Listener::log_cut_requests() {
  std::lock_guard lock(mutex_);
  for (auto& [raw, entry] : sessions_) {
    if (auto s = entry.session.lock()) s->log_cut();
  }
}

void Listener::begin_shutdown(int signal_number) {
  spdlog::info("signal {}: no new connections; finishing requests in progress", signal_number);
  notify_stopping();  // here, where shutdown begins: a signal_set of main's own could miss the signal
  stopping_ = true;
  server_->store.cancel_work();  // a hash in progress stops at its next chunk; its waiters get busy
  asio::error_code ec;
  acceptor_.close(ec);
  hangup_.cancel(ec);  // a pending wait for SIGHUP would keep io.run() going
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex_);
    for (auto& [raw, entry] : sessions_) {
      if (auto s = entry.session.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) asio::post(s->executor(), [s] { s->stop(); });
  if (live.empty()) return;
  grace_timer_.expires_after(std::chrono::milliseconds(static_cast<long>(options_.shutdown_grace_seconds * 1000)));
  grace_timer_.async_wait([this](const asio::error_code& timer_ec) {
    if (timer_ec) return;  // cancelled: every session ended in time
    spdlog::warn("shutdown grace period over; closing the remaining sessions");
    log_cut_requests();
    io_.stop();
  });
}

}  // namespace imgsh::server
