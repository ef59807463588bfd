#pragma once
// Ends a running request early, for the client: when the Ctrl-C pipe becomes
// readable or the reply timeout passes, it closes the socket, so every
// operation of the request fails at once and the caller can say why.
#include <chrono>
#include <optional>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "protocol/unique_fd.hpp"

namespace imgsh::shell {

class RequestWatch {
 public:
  // cancel_fd < 0: no Ctrl-C watch; timeout 0: no time limit.
  RequestWatch(asio::io_context& io, asio::ip::tcp::socket& socket, int cancel_fd, std::chrono::milliseconds timeout);
  RequestWatch(const RequestWatch&) = delete;
  RequestWatch& operator=(const RequestWatch&) = delete;
  ~RequestWatch();

  void done();  // the request ended: stop watching (lets io_context::run return)
  // The reply began: the time limit no longer applies (Ctrl-C still does).
  void reply_began() {
    if (timer_) timer_->cancel();
  }
  bool interrupted() const { return interrupted_; }
  // After Ctrl-C: a duplicate of the socket it closed, still connected, for the
  // cancel frame (cancel_request.hpp); -1 when none. The caller owns it.
  int take_kept_socket() { return kept_socket_.release(); }
  bool timed_out() const { return timed_out_; }

 private:
  void stop(bool& why);

  asio::ip::tcp::socket& socket_;
  int cancel_fd_;
  std::optional<asio::posix::stream_descriptor> cancel_;
  std::optional<asio::steady_timer> timer_;
  UniqueFd kept_socket_;
  bool interrupted_ = false;
  bool timed_out_ = false;
};

}  // namespace imgsh::shell
