#include "shell/interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace imgsh::shell {
namespace {

int pipe_fds[2] = {-1, -1};

extern "C" void on_sigint(int) {
  int saved = errno;
  char byte = 'c';
  [[maybe_unused]] auto n = ::write(pipe_fds[1], &byte, 1);  // a full pipe already says "interrupted"
  errno = saved;
}

}  // namespace

int install_interrupt_pipe() {
  if (pipe_fds[0] >= 0) return pipe_fds[0];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  return pipe_fds[0];
}

void drain_interrupts() {
  if (pipe_fds[0] < 0) return;
  char buf[64];
  while (::read(pipe_fds[0], buf, sizeof buf) > 0) {
  }
}

}  // namespace imgsh::shell
