#pragma once
// Tells systemd (a Type=notify unit) where imgsrv is in its life, through
// libsystemd's sd_notify. Outside systemd (no $NOTIFY_SOCKET) each call does
// nothing, so imgsrv behaves the same when started by hand.
#include <cstdint>

namespace imgsh::server {

// Listening on `port` and accepting: systemd may start the units ordered after
// imgsrv. Also ends a reload begun by notify_reloading().
void notify_ready(std::uint16_t port);

// Re-reading configuration (SIGHUP); must be followed by notify_ready().
// Carries MONOTONIC_USEC, which Type=notify-reload (systemd 253+) requires.
void notify_reloading();

// Shutting down: no new connections, requests in progress finish.
void notify_stopping();

}  // namespace imgsh::server
