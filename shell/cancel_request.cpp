#include "shell/cancel_request.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>

#include "protocol/client_cancel.hpp"

namespace imgsh::shell {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; false when the time is up or the wait failed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;  // EINTR: another Ctrl-C; the deadline still holds
  }
}

}  // namespace

void send_cancel(int socket_fd, std::uint64_t last_id, std::chrono::milliseconds limit) {
  Clock::time_point deadline = Clock::now() + limit;
  std::string frame = proto::encode_cancel_frame(last_id);
  std::size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(socket_fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(socket_fd, POLLOUT, deadline)) return;
    } else if (n < 0 && errno != EINTR) {
      return;  // the connection is gone already
    }
  }
  ::shutdown(socket_fd, SHUT_WR);
  // Whatever the server still sends (the rest of a body) is dropped; its close ends the wait.
  std::array<char, 64 * 1024> sink;
  while (wait_for(socket_fd, POLLIN, deadline)) {
    ssize_t n = ::recv(socket_fd, sink.data(), sink.size(), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;
  }
}

}  // namespace imgsh::shell
