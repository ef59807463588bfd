#include "server/systemd_notify.hpp"

#include <time.h>

#include <cstring>
#include <string>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace imgsh::server {
namespace {

// A failed notification is worth a warning, never a stop: systemd would time
// the start-up out, and the log says why.
void send(const std::string& state) {
  int rc = ::sd_notify(0, state.c_str());
  if (rc < 0) spdlog::warn("sd_notify failed: {}", std::string(::strerror(-rc)));
}

std::uint64_t monotonic_usec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

void notify_ready(std::uint16_t port) {
  send("READY=1\nSTATUS=listening on port " + std::to_string(port));
}

void notify_reloading() {
  send("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void notify_stopping() { send("STOPPING=1\nSTATUS=stopping: finishing requests in progress"); }

}  // namespace imgsh::server
