// imgsrv: stores JPEG and PNG files in one directory and serves them to
// imgsh clients, many at once.
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "protocol/port_number.hpp"
#include "protocol/version.hpp"
#include "server/gatekeeper.hpp"
#include "server/listener.hpp"
#include "server/local_dir_store.hpp"
#include "server/logging.hpp"
#include "server/security_notes.hpp"
#include "server/server_options.hpp"
#include "server/systemd_notify.hpp"
#include "server/tls_context.hpp"
#include "server/token_add.hpp"

namespace {

using imgsh::server::ServerOptions;
using imgsh::server::TokenAddCommand;

constexpr int kUsageError = 2;

int fail(const std::string& message) {
  std::fprintf(stderr, "imgsrv: %s\n", message.c_str());
  return kUsageError;
}

// Each session holds a socket and, during a transfer, a file: ask for enough
// descriptors for max_sessions (up to the hard limit) rather than fail at 1024.
void raise_descriptor_limit(std::size_t max_sessions) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t wanted = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(max_sessions) * 2 + 64);
  if (wanted > limit.rlim_cur) {
    limit.rlim_cur = wanted;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a vanished client is an error to log, not a death
  std::signal(SIGHUP, SIG_IGN);   // reload comes later; until then `systemctl reload` must not kill
  ServerOptions options;
  std::string port_text;
  std::string root = ".";
  CLI::App app{"imgsrv: stores JPEG and PNG files and serves them to imgsh clients"};
  app.set_version_flag("--version", "imgsrv " IMGSH_VERSION);
  app.name("imgsrv");
  app.add_option("PORT", port_text, "TCP port to listen on (1-65535; 0: any free port, named in the log)")->type_name("");
  app.add_option("--root", root, "directory of the stored images (default: the current directory)")->type_name("DIR");
  app.add_option("--bind", options.bind, "address to listen on (default: all interfaces, IPv6 and IPv4)")
      ->type_name("ADDR");
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->type_name("LEVEL")
      ->capture_default_str();
  app.add_option("--max-file-size", options.max_file_size, "largest file accepted, e.g. 500M (default: no limit)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--max-sessions", options.max_sessions, "most clients connected at once")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--inline-put-max", options.inline_put_max, "largest put body a client may send without asking")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads (default: one per core)")->type_name("N");
  app.add_option("--header-timeout", options.header_timeout, "seconds a client may take to send a request header")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--idle-timeout", options.idle_timeout, "seconds a connection may stay idle between requests")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--body-timeout", options.body_timeout, "seconds a transfer may stall before it is abandoned")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bool no_fsync = false;
  app.add_flag("--no-fsync", no_fsync,
               "acknowledge puts before data and directory entry reach the disk (faster; an acknowledged file may be "
               "lost in a crash)");
  app.add_option("--tls-cert", options.tls_cert, "speak TLS with this certificate chain (PEM)")->type_name("FILE");
  app.add_option("--tls-key", options.tls_key, "the certificate's private key (PEM)")->type_name("FILE");
  app.add_option("--tls-min", options.tls_min, "lowest TLS version accepted: 1.3 or 1.2")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->capture_default_str();
  app.add_option("--tokens", options.tokens, "require a token from FILE in every hello (see: imgsrv token add)")
      ->type_name("FILE");
  TokenAddCommand token_add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see imgsrv --help)");
  }
  if (token_add.chosen()) return token_add.run();
  if (port_text.empty()) return fail("PORT is required (see imgsrv --help)");
  if (options.tls_cert.empty() != options.tls_key.empty()) return fail("--tls-cert and --tls-key go together");
  auto port = imgsh::proto::parse_listen_port(port_text);
  if (!port) return fail("invalid port '" + port_text + "': must be a number from 0 (any free port) to 65535");
  options.port = *port;
  if (options.max_sessions == 0) return fail("--max-sessions must be at least 1");
  options.root = root;
  options.fsync = !no_fsync;

  try {
    imgsh::server::setup_logging(options.log_level);
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  try {
    raise_descriptor_limit(options.max_sessions);
    imgsh::server::OpenedLocalStore opened;  // outlives the io_context and every session
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    asio::io_context io(static_cast<int>(threads));
    imgsh::server::TlsContext tls;  // both outlive the listener and its sessions
    std::optional<imgsh::server::Gatekeeper> gate;
    imgsh::server::Listener listener(io, options);  // binds: fails first if the port is taken
    if (!options.tls_cert.empty()) {
      tls = imgsh::server::make_tls_context(options.tls_cert, options.tls_key, options.tls_min);
      listener.use_tls(*tls.context);
    }
    std::size_t token_count = 0;
    if (!options.tokens.empty()) {
      auto tokens = imgsh::server::TokenStore::load(options.tokens);
      token_count = tokens.size();
      gate.emplace(std::move(tokens));
      listener.use_gatekeeper(*gate);
    }
    // Opens, locks and sweeps the root, once the port is ours (a second server
    // on a taken port says so, not that the root is taken).
    opened = imgsh::server::open_local_store({options.root, options.fsync});
    auto ep = listener.local_endpoint();
    spdlog::info("imgsrv {} listening on {} port {}, root {}, {} threads{}", IMGSH_VERSION,
                 options.bind.empty() ? "all interfaces" : ep.address().to_string(), ep.port(),
                 std::filesystem::absolute(options.root).string(), threads, options.fsync ? "" : ", fsync off");
    imgsh::server::log_security(options, tls, token_count, ep.address());
    if (opened.stale_removed > 0) {
      spdlog::info("removed {} stale temporary files left by an earlier run", opened.stale_removed);
    }
    listener.start(*opened.store);
    imgsh::server::notify_ready(ep.port());
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
    io.run();
    io.stop();
    for (auto& t : workers) t.join();
    opened.store->cancel_work();  // no hash outlives the io_context its waiters post to
    opened.store->join_work();
    spdlog::info("imgsrv stopped");
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
