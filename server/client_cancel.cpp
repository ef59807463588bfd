#include "server/client_cancel.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/client_cancel.hpp"

namespace imgsh::server {
namespace {

// How much of what the client sent meanwhile is looked at: a cancel sent behind
// pipelined requests (mget's window of gets) is found within it.
constexpr std::size_t kPeekWindow = 16 * 1024;
// How often the watch looks. It looks on a timer rather than waiting for the
// socket to turn readable: asio's epoll reactor is edge-triggered and a wait is
// never speculative, so bytes that arrived before the wait began (a cancel sent
// right after the body started, or a pipelined request) would never wake it.
// Also how often a send not yet stopped is asked again to stop.
constexpr std::chrono::milliseconds kLookAgain{50};
// A body smaller than this goes into the socket's buffer at once: a cancel then
// arrives as the next request (handle_cancel), and the get pays for no watch.
constexpr std::uint64_t kWatchFrom = 256 * 1024;

// Shared by a send and its watch, which run on the session's strand.
struct CancelWatch {
  explicit CancelWatch(const asio::any_io_executor& ex) : pause(ex) {}
  bool done = false;          // the send has ended: the watch touches the socket no more
  bool cancelled = false;     // a cancel frame arrived
  asio::error_code lost;      // the peek took the connection's error (a reset): the send may never see it
  asio::steady_timer pause;
};

// Peeks at the client's bytes every kLookAgain until a cancel frame is among
// them or the send ends. On a cancel (or a reset) it stops the send:
// socket.cancel() aborts the send's pending wait; the send may be between two
// waits, so it asks again until the send has ended.
asio::awaitable<void> watch_for_cancel(asio::ip::tcp::socket& socket, std::shared_ptr<CancelWatch> w) {
  std::array<std::uint8_t, kPeekWindow> window;
  asio::error_code ec;
  bool peeking = true;  // until the client's sending side is closed: no cancel can follow
  while (!w->cancelled && !w->lost) {
    if (peeking) {
      w->pause.expires_after(kLookAgain);
    } else {
      w->pause.expires_at(asio::steady_timer::time_point::max());
    }
    co_await w->pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (w->done) co_return;
    ssize_t n = ::recv(socket.native_handle(), window.data(), window.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 && proto::find_cancel({window.data(), static_cast<std::size_t>(n)})) {
      w->cancelled = true;
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      w->lost = asio::error_code(errno, asio::system_category());
    } else if (n == 0) {
      peeking = false;
    }
  }
  while (!w->done) {
    socket.cancel(ec);
    w->pause.expires_after(kLookAgain);
    co_await w->pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

void throw_if_cancel(const proto::FrameHead& head) {
  if (proto::is_cancel(head)) throw ClientCancelled();
}

asio::awaitable<void> send_unless_cancelled(proto::NetStream& stream, std::uint64_t body_len, asio::awaitable<void> send) {
  if (stream.tls() || body_len < kWatchFrom) {
    co_await std::move(send);
    co_return;
  }
  asio::ip::tcp::socket& socket = stream.tcp();
  auto watch = std::make_shared<CancelWatch>(socket.get_executor());
  asio::co_spawn(socket.get_executor(), watch_for_cancel(socket, watch), asio::detached);
  std::exception_ptr failure;
  try {
    co_await std::move(send);
  } catch (...) {
    failure = std::current_exception();
  }
  watch->done = true;
  watch->pause.cancel();
  if (watch->cancelled) throw ClientCancelled();
  if (watch->lost) throw asio::system_error(watch->lost, "recv");
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<Outcome> handle_cancel(RequestContext& ctx, const proto::Cancel&) {
  Outcome outcome = succeeded(proto::ok_reply(ctx.id), "nothing in progress to cancel; closing");
  outcome.close = true;
  co_return outcome;
}

}  // namespace imgsh::server
