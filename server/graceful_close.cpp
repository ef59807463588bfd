#include "server/graceful_close.hpp"

#include <array>
#include <chrono>
#include <memory>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace imgsh::server {

asio::awaitable<void> close_after_reply(asio::ip::tcp::socket& socket) {
  constexpr std::uint64_t kMaxDrain = 64ull << 20;
  asio::error_code ec;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  // The deadline may fire after this coroutine is over (the socket gone):
  // `finished` tells its handler not to touch the socket then. Both run on
  // the socket's strand, so the flag needs no lock.
  auto finished = std::make_shared<bool>(false);
  asio::steady_timer deadline(socket.get_executor(), std::chrono::seconds(2));
  deadline.async_wait([&socket, finished](const asio::error_code& timer_ec) {
    asio::error_code ignored;
    if (!timer_ec && !*finished) socket.cancel(ignored);
  });
  std::array<char, 16384> sink;
  for (std::uint64_t drained = 0; drained < kMaxDrain;) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
  *finished = true;
  deadline.cancel();
  socket.close(ec);
}

}  // namespace imgsh::server
