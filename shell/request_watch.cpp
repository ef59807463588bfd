#include "shell/request_watch.hpp"

#include <unistd.h>

namespace imgsh::shell {

RequestWatch::RequestWatch(asio::io_context& io, asio::ip::tcp::socket& socket, int cancel_fd,
                           std::chrono::milliseconds timeout)
    : socket_(socket), cancel_fd_(cancel_fd) {
  if (cancel_fd_ >= 0) {
    cancel_.emplace(io, cancel_fd_);
    cancel_->async_wait(asio::posix::descriptor_base::wait_read, [this](asio::error_code ec) {
      if (ec) return;
      char buf[64];
      while (::read(cancel_fd_, buf, sizeof buf) > 0) {
      }
      // Closing the socket ends every operation of the request at once; the
      // duplicate keeps the connection open for the cancel frame.
      if (socket_.is_open()) kept_socket_.reset(::dup(socket_.native_handle()));
      stop(interrupted_);
    });
  }
  if (timeout.count() > 0) {
    timer_.emplace(io, timeout);
    timer_->async_wait([this](asio::error_code ec) {
      if (!ec) stop(timed_out_);
    });
  }
}

RequestWatch::~RequestWatch() {
  if (cancel_) cancel_->release();  // the pipe is not ours to close
}

void RequestWatch::done() {
  if (cancel_) cancel_->cancel();
  if (timer_) timer_->cancel();
}

void RequestWatch::stop(bool& why) {
  why = true;
  asio::error_code ignored;
  socket_.close(ignored);
}

}  // namespace imgsh::shell
