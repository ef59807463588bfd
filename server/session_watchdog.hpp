#pragma once
// Ends a session whose client stops moving, so a slow or silent peer cannot
// hold a session (and its slot under --max-sessions) for ever. One timer per
// session, armed for the phase the session is in:
//   hello    a new connection, until its hello is in  (--hello-timeout, absolute
//            from connect: a silent or dribbling client is gone soon)
//   idle     waiting for a request to start        (--idle-timeout)
//   header   a frame started, its header must end  (--header-timeout, absolute:
//            a byte now and then does not extend it; this is what stops slowloris)
//   request  a request in progress: fires only after that long without a byte
//            received or acknowledged by the client  (--body-timeout)
// When it fires it cancels the socket's pending operation; the session sees
// operation_aborted and asks fired() why.
#include <chrono>
#include <cstdint>
#include <optional>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

namespace imgsh::server {

class SessionWatchdog {
 public:
  enum class Phase { off, hello, idle, header, request };
  using Duration = std::chrono::steady_clock::duration;

  explicit SessionWatchdog(asio::ip::tcp::socket& socket);

  // The watchdog's loop; co_spawn it on the session's executor (strand).
  asio::awaitable<void> run();
  void arm(Phase phase, Duration limit);
  void disarm() { arm(Phase::off, {}); }
  void stop();  // ends run()
  // The server, not the client, is working for the request (a decode on the worker
  // pool): the request deadline is held, so a slow validation never blames the client,
  // and armed afresh by resume(). Outside the request phase both do nothing.
  void hold();
  void resume();

  // The phase it fired in, if it did.
  std::optional<Phase> fired() const { return fired_; }
  // True if, when it fired, the client had stopped taking the server's bytes
  // (data unsent or unacknowledged): writing a reply would only stall again.
  bool peer_not_reading() const { return peer_not_reading_; }
  // The kernel's byte counter (tcp_progress.hpp) when the request phase was last armed.
  std::uint64_t progress_at_request() const { return last_progress_; }

 private:
  std::uint64_t progress() const;

  asio::ip::tcp::socket& socket_;
  asio::steady_timer timer_;
  Phase phase_ = Phase::off;
  Duration limit_{};
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  // What the timer waits for now: a later deadline needs no cancel (the loop wakes
  // then and waits again), so arming per request costs no wake-up of the loop.
  std::chrono::steady_clock::time_point waiting_until_ = std::chrono::steady_clock::time_point::max();
  std::uint64_t last_progress_ = 0;
  std::optional<Phase> fired_;
  bool peer_not_reading_ = false;
  bool stopped_ = false;
  bool held_ = false;
};

// hold() for a scope (nothing with a null watchdog, as in unit tests).
class WatchdogHold {
 public:
  explicit WatchdogHold(SessionWatchdog* watchdog) : watchdog_(watchdog) {
    if (watchdog_) watchdog_->hold();
  }
  ~WatchdogHold() {
    if (watchdog_) watchdog_->resume();
  }
  WatchdogHold(const WatchdogHold&) = delete;
  WatchdogHold& operator=(const WatchdogHold&) = delete;

 private:
  SessionWatchdog* watchdog_;
};

const char* phase_name(SessionWatchdog::Phase phase);

}  // namespace imgsh::server
