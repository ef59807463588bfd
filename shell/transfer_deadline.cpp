#include "shell/transfer_deadline.hpp"

#include <algorithm>

#include <asio/steady_timer.hpp>

#include "protocol/tcp_progress.hpp"

namespace imgsh::shell {
namespace {

using Clock = std::chrono::steady_clock;

// How often a watch looks: a stall is seen between the limit and a quarter more.
std::chrono::milliseconds check_interval(std::chrono::milliseconds limit) {
  return std::max<std::chrono::milliseconds>(limit / 4, std::chrono::milliseconds(10));
}

std::string seconds_text(std::chrono::milliseconds limit) {
  std::string text = std::to_string(limit.count() / 1000);
  if (auto ms = limit.count() % 1000) {
    std::string frac = std::to_string(1000 + ms).substr(1);
    frac.erase(frac.find_last_not_of('0') + 1);
    text += "." + frac;
  }
  return text + " s";
}

}  // namespace

struct TransferDeadline::Watch::State {
  TransferDeadline& deadline;
  asio::ip::tcp::socket& socket;
  Direction direction;
  std::string what;
  asio::steady_timer timer;
  Clock::time_point last_move = Clock::now();
  std::uint64_t last_acked = 0;
  bool active = true;

  // Whether the body moved since the last look (or the server owes nothing).
  bool moving() {
    if (direction == Direction::receiving) return false;  // moved() says so
    int fd = socket.native_handle();
    std::uint64_t acked = proto::tcp_bytes_moved(fd);
    bool moved = acked != last_acked || proto::tcp_unacknowledged_bytes(fd) == 0;
    last_acked = acked;
    return moved;
  }

  void schedule(const std::shared_ptr<State>& self) {
    timer.expires_after(check_interval(deadline.limit()));
    timer.async_wait([self](asio::error_code ec) {
      if (ec || !self->active) return;
      self->look(self);
    });
  }

  void look(const std::shared_ptr<State>& self) {
    auto now = Clock::now();
    if (moving()) last_move = now;
    if (now - last_move < deadline.limit()) return schedule(self);
    deadline.stalled_ = what + " for " + seconds_text(deadline.limit());
    asio::error_code ignored;
    socket.close(ignored);
  }
};

TransferDeadline::Watch::Watch(TransferDeadline& deadline, asio::ip::tcp::socket& socket, Direction direction,
                               std::string what) {
  if (deadline.limit().count() <= 0) return;
  state_ = std::make_shared<State>(deadline, socket, direction, std::move(what),
                                   asio::steady_timer(socket.get_executor()));
  state_->last_acked = proto::tcp_bytes_moved(socket.native_handle());
  state_->schedule(state_);
}

TransferDeadline::Watch::~Watch() {
  if (!state_) return;
  state_->active = false;
  state_->timer.cancel();
}

void TransferDeadline::Watch::moved() {
  if (state_) state_->last_move = Clock::now();
}

}  // namespace imgsh::shell
