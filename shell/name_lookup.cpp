#include "shell/name_lookup.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <asio/io_context.hpp>

#include "protocol/unique_fd.hpp"

namespace imgsh::shell {
namespace {

using Clock = std::chrono::steady_clock;

// What the lookup thread and the waiter share; the last of them frees it.
struct Pending {
  std::mutex mutex;
  asio::error_code error;
  asio::ip::tcp::resolver::results_type endpoints;
  UniqueFd done_read;   // readable once the answer is in
  UniqueFd done_write;
};

void drain(int fd) {
  char buf[64];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

// Milliseconds poll() may wait before `deadline` (-1: no deadline).
int poll_wait(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, 1 << 30));
}

}  // namespace

NameLookup look_up(const std::string& host, const std::string& port, std::chrono::milliseconds limit, int cancel_fd) {
  auto pending = std::make_shared<Pending>();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  pending->done_read = UniqueFd(fds[0]);
  pending->done_write = UniqueFd(fds[1]);
  std::thread([pending, host, port] {
    asio::io_context io;  // the resolver's, for its blocking resolve only: never run
    asio::ip::tcp::resolver resolver(io);
    asio::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    std::lock_guard lock(pending->mutex);
    pending->error = ec;
    pending->endpoints = std::move(endpoints);
    char byte = 'd';
    [[maybe_unused]] auto n = ::write(pending->done_write.get(), &byte, 1);
  }).detach();

  std::optional<Clock::time_point> deadline;
  if (limit.count() > 0) deadline = Clock::now() + limit;
  NameLookup out;
  while (true) {
    pollfd waits[2] = {{pending->done_read.get(), POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    int n = ::poll(waits, cancel_fd >= 0 ? 2 : 1, poll_wait(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "poll");
    if (waits[0].revents != 0) {
      std::lock_guard lock(pending->mutex);
      out.error = pending->error;
      out.endpoints = pending->endpoints;
      return out;
    }
    if (cancel_fd >= 0 && waits[1].revents != 0) {
      drain(cancel_fd);
      out.end = NameLookup::End::interrupted;
      return out;
    }
    if (deadline && Clock::now() >= *deadline) {
      out.end = NameLookup::End::timed_out;
      return out;
    }
  }
}

}  // namespace imgsh::shell
