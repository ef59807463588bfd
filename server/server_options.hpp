#pragma once
// imgsrv's configuration, as parsed from the command line.
#include <cstdint>
#include <filesystem>
#include <string>

#include "protocol/image_check.hpp"

namespace imgsh::server {

struct ServerOptions {
  std::uint16_t port = 0;
  std::string bind;  // empty: all interfaces, IPv6 and IPv4
  std::filesystem::path root = ".";
  std::string log_level = "info";
  std::string log_format = "text";  // or json: one object per line
  std::uint64_t max_file_size = 0;  // 0: no limit beyond free space
  std::uint64_t inline_put_max = 1 << 20;
  std::size_t max_sessions = 1024;
  // One address may hold at most this many sessions, so one host opening silent
  // connections cannot take every slot under max_sessions.
  std::size_t max_sessions_per_address = 64;
  unsigned threads = 0;  // 0: one per core
  bool fsync = true;
  bool shared_root = false;  // several servers on one root (local_dir_store.hpp)
  std::string node_id;       // empty: default_node_id(port)
  double shutdown_grace_seconds = 5.0;
  // Seconds (session_watchdog.hpp): a started frame header must be complete
  // within header_timeout; a session may wait idle_timeout for its next
  // request; a request ends after body_timeout without a byte moving; a new
// connection must have sent its hello within hello_timeout.
  double header_timeout = 10.0;
  double hello_timeout = 10.0;  // from connect (and TLS handshake) to a complete hello
  double idle_timeout = 300.0;
  double body_timeout = 30.0;
  std::filesystem::path tls_cert;  // empty: plain TCP
  std::filesystem::path tls_key;
  std::string tls_min = "1.3";     // or "1.2"
  std::filesystem::path tokens;    // empty: no token needed
  // Width x height above which a put is refused too_large (image_check.hpp).
  std::uint64_t max_pixels = proto::ImageLimits{}.max_pixels;
  bool allow_delete = false;       // without tokens: every client may delete and rename (rwd)
  std::string metrics_listen;      // ADDR:PORT of the Prometheus endpoint; empty: none
  std::uint64_t resume_window = 600;  // seconds a cut put -c upload is kept for reput (0: none kept)
};

}  // namespace imgsh::server
