#include "server/session_watchdog.hpp"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "server/tcp_progress.hpp"

namespace imgsh::server {
namespace {

using Clock = std::chrono::steady_clock;

// If the timer wakes this much later than asked, the strand was busy with the
// session's own work (hashing a large file): that is not the client's stall.
constexpr auto kLateWakeup = std::chrono::seconds(1);

}  // namespace

const char* phase_name(SessionWatchdog::Phase phase) {
  switch (phase) {
    case SessionWatchdog::Phase::hello:
      return "hello";
    case SessionWatchdog::Phase::idle:
      return "idle";
    case SessionWatchdog::Phase::header:
      return "header";
    case SessionWatchdog::Phase::request:
      return "request";
    case SessionWatchdog::Phase::off:
      break;
  }
  return "off";
}

SessionWatchdog::SessionWatchdog(asio::ip::tcp::socket& socket) : socket_(socket), timer_(socket.get_executor()) {}

// The kernel's counters, so no I/O path has to count bytes for the watchdog.
std::uint64_t SessionWatchdog::progress() const { return tcp_bytes_moved(socket_.native_handle()); }

void SessionWatchdog::arm(Phase phase, Duration limit) {
  phase_ = phase;
  limit_ = limit;
  deadline_ = phase == Phase::off ? Clock::time_point::max() : Clock::now() + limit;
  if (phase == Phase::request) last_progress_ = progress();
  if (deadline_ < waiting_until_) timer_.cancel();  // the loop re-waits for the new, earlier deadline
}

void SessionWatchdog::hold() {
  if (phase_ != Phase::request) return;
  held_ = true;
  Duration limit = limit_;
  arm(Phase::off, {});
  limit_ = limit;
}

void SessionWatchdog::resume() {
  if (!held_) return;
  held_ = false;
  arm(Phase::request, limit_);
}

void SessionWatchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> SessionWatchdog::run() {
  while (!stopped_ && !fired_) {
    asio::error_code ec;
    timer_.expires_at(deadline_);
    waiting_until_ = deadline_;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    auto now = Clock::now();
    if (stopped_ || phase_ == Phase::off || now < deadline_) continue;  // re-armed or stopped
    if (now - deadline_ > kLateWakeup) {
      deadline_ = now + limit_;
      continue;
    }
    if (phase_ == Phase::request) {
      std::uint64_t p = progress();
      if (p != last_progress_) {
        last_progress_ = p;
        deadline_ = now + limit_;
        continue;
      }
    }
    fired_ = phase_;
    peer_not_reading_ = tcp_unacknowledged_bytes(socket_.native_handle()) > 0;
    asio::error_code ignored;
    socket_.cancel(ignored);
  }
}

}  // namespace imgsh::server
