#pragma once
// Runs one request's coroutine to completion on the client's private
// io_context, so callers see plain blocking calls. While it runs, Ctrl-C (a
// readable pipe) or the reply deadline ends it early by closing the socket
// (RequestWatch), and the failure says which.
#include <chrono>
#include <exception>
#include <optional>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "shell/request_watch.hpp"
#include "shell/transfer_deadline.hpp"

namespace imgsh::shell {

class BlockingBridge {
 public:
  asio::io_context& io() { return io_; }
  // While a request waits, a readable `fd` (the Ctrl-C pipe) cancels it.
  void cancel_when_readable(int fd) { interrupt_fd_ = fd; }
  int interrupt_fd() const { return interrupt_fd_; }  // -1: none
  // After run() threw Interrupted: the connection, still open (RequestWatch::take_kept_socket).
  UniqueFd take_interrupted_socket() { return std::move(interrupted_socket_); }
  // A request not answered within `timeout` (0: no limit) fails.
  void set_reply_timeout(std::chrono::milliseconds timeout) { reply_timeout_ = timeout; }
  std::chrono::milliseconds reply_timeout() const { return reply_timeout_; }
  // Called inside run() once a reply's header is in and its body may take long to
  // handle (a listing printed through a pager): the reply deadline ends there; a body
  // that stops moving is the transfer deadline's.
  void reply_began() {
    if (watch_) watch_->reply_began();
  }
  // A body that stops moving fails its request (TransferDeadline::Watch, held by the request).
  TransferDeadline& transfer_deadline() { return transfers_; }

  // Runs `task` to completion before returning, so it may refer to the
  // caller's locals. Returns its value, or throws its failure in the terms of
  // client_errors.hpp: Interrupted after Ctrl-C, ConnectionError after the
  // deadline or a socket error (naming `peer`), RemoteError(bad_frame) for a
  // reply that is not JSON; anything else as thrown. The connection is the
  // caller's to drop.
  template <class T>
  T run(asio::ip::tcp::socket& watched, std::string_view peer, asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr error;
    RequestWatch watch(io_, watched, interrupt_fd_, reply_timeout_);
    watch_ = &watch;
    struct Forget {  // however run() ends, no pointer to the gone watch stays behind
      RequestWatch*& watch;
      ~Forget() { watch = nullptr; }
    } forget{watch_};
    transfers_.clear();
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T value) {
      error = e;
      if (!e) result.emplace(std::move(value));
      watch.done();
    });
    io_.restart();
    io_.run();
    // The watch closed the socket: the result, if any, is not to be trusted.
    if (error || watch.interrupted() || watch.timed_out() || !transfers_.stalled().empty()) {
      interrupted_socket_.reset(watch.take_kept_socket());
      rethrow(error, watch, peer);
    }
    return std::move(*result);
  }

 private:
  [[noreturn]] void rethrow(std::exception_ptr error, const RequestWatch& watch, std::string_view peer) const;

  asio::io_context io_;
  int interrupt_fd_ = -1;
  UniqueFd interrupted_socket_;
  std::chrono::milliseconds reply_timeout_{0};
  TransferDeadline transfers_;
  RequestWatch* watch_ = nullptr;  // the running request's, inside run()
};

}  // namespace imgsh::shell
