#pragma once
// Name resolution with a deadline and Ctrl-C. getaddrinfo has neither and
// cannot be interrupted, so it runs on a thread of its own while the caller
// waits (poll) for its answer, the Ctrl-C pipe or the deadline. A lookup given
// up on finishes in the background and frees what it holds.
#include <chrono>
#include <string>

#include <asio/error_code.hpp>
#include <asio/ip/tcp.hpp>

namespace imgsh::shell {

struct NameLookup {
  enum class End { answered, timed_out, interrupted };
  End end = End::answered;
  asio::error_code error;  // answered: getaddrinfo's failure, if any
  asio::ip::tcp::resolver::results_type endpoints;
};

// Resolves as asio's resolver does (same flags), within `limit` (0: no limit);
// a readable `cancel_fd` (the Ctrl-C pipe; -1: none) ends the wait, drained.
NameLookup look_up(const std::string& host, const std::string& port, std::chrono::milliseconds limit, int cancel_fd);

}  // namespace imgsh::shell
