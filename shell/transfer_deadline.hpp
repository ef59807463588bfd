#pragma once
// A get or put whose body stops moving ends after --stall-timeout, however
// large the file: the server stopped sending a get body, or stopped taking a
// put body. Watched only while a body moves: the server's own work before its
// reply (a hash, a validation) moves no bytes and is not a stall.
//   receiving  the body's reader says when a piece came (moved()), after it
//              handled it, so a slow local disk is never the server's stall
//   sending    the kernel's count of bytes the server acknowledged
//              (protocol/tcp_progress.hpp): a large write in flight still
//              shows progress; once everything sent is acknowledged, the
//              server owes nothing and the wait is its own work
// On a stall the watch closes the socket, so the pending operation fails at
// once, and the BlockingBridge reports stalled() as a TimedOut.
#include <chrono>
#include <memory>
#include <string>

#include <asio/ip/tcp.hpp>

namespace imgsh::shell {

class TransferDeadline {
 public:
  enum class Direction { receiving, sending };

  // 0: no limit.
  void set_limit(std::chrono::milliseconds limit) { limit_ = limit; }
  std::chrono::milliseconds limit() const { return limit_; }

  // What stalled since the last clear() ("the server sent no byte of x.png's
  // body for 2 s"), or empty.
  const std::string& stalled() const { return stalled_; }
  void clear() { stalled_.clear(); }

  // Watches one body on `socket` for as long as it lives (inside one
  // BlockingBridge::run). `what` names the body for the message.
  class Watch {
   public:
    Watch(TransferDeadline& deadline, asio::ip::tcp::socket& socket, Direction direction, std::string what);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // A piece of a received body was read and handled.
    void moved();

    struct State;

   private:
    std::shared_ptr<State> state_;  // shared with the timer's handler, which may outlive the watch
  };

 private:
  std::chrono::milliseconds limit_{60000};
  std::string stalled_;
};

}  // namespace imgsh::shell
