// imgsrv: stores JPEG and PNG files in one directory and serves them to
// imgsh clients, many at once.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "protocol/endpoint_text.hpp"
#include "protocol/port_number.hpp"
#include "protocol/version.hpp"
#include "server/config_check.hpp"
#include "server/config_file.hpp"
#include "server/descriptor_budget.hpp"
#include "server/gatekeeper.hpp"
#include "server/listener.hpp"
#include "server/local_dir_store.hpp"
#include "server/logging.hpp"
#include "server/metrics_endpoint.hpp"
#include "server/root_claim.hpp"
#include "server/reloader.hpp"
#include "server/security_notes.hpp"
#include "server/server_options.hpp"
#include "server/systemd_notify.hpp"
#include "server/tls_context.hpp"
#include "server/store_check.hpp"
#include "server/token_add.hpp"
#include "server/token_list.hpp"
#include "server/token_revoke.hpp"

namespace {

using imgsh::server::ServerOptions;
using imgsh::server::TokenAddCommand;

constexpr int kUsageError = 2;

int fail(const std::string& message) {
  std::fprintf(stderr, "imgsrv: %s\n", message.c_str());
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a vanished client is an error to log, not a death
  std::signal(SIGHUP, SIG_IGN);   // until the listener handles it (reload): `systemctl reload` must not kill
  ServerOptions options;
  std::string port_text;
  std::string root = ".";
  CLI::App app{"imgsrv: stores JPEG and PNG files and serves them to imgsh clients"};
  app.set_version_flag("--version", "imgsrv " IMGSH_VERSION);
  app.name("imgsrv");
  auto config = imgsh::server::add_config_file(app);
  bool check_only = false;
  app.add_flag("--check-config", check_only,
               "check the options, the config file, the root, the TLS files and the token file, then exit (0: "
               "all well)")
      ->configurable(false);
  // ignore_case: in the config file the port is `port = 7070`.
  app.add_option("PORT", port_text, "TCP port to listen on (default 7070; 0: any free port, named in the log)")
      ->type_name("")
      ->ignore_case();
  app.add_option("--root", root, "directory of the stored images (default: the current directory)")->type_name("DIR");
  app.add_option("--bind", options.bind, "address to listen on (default: all interfaces, IPv6 and IPv4)")
      ->type_name("ADDR");
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->type_name("LEVEL")
      ->capture_default_str();
  app.add_option("--log-format", options.log_format, "text, or json: one JSON object per line")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--max-file-size", options.max_file_size, "largest file accepted, e.g. 500M (default: no limit)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--max-sessions", options.max_sessions, "most clients connected at once")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--max-sessions-per-address", options.max_sessions_per_address,
                 "most clients connected at once from one address")
      ->type_name("N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--inline-put-max", options.inline_put_max, "largest put body a client may send without asking")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads (default: one per core)")->type_name("N");
  imgsh::server::ChecksumOptions whole_file_work;
  app.add_option("--worker-threads", whole_file_work.workers,
                 "threads for whole-file work (hashing files placed by hand), apart from the serving threads; "
                 "also how many large puts are decoded while their bodies stream")
      ->type_name("N")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--header-timeout", options.header_timeout, "seconds a client may take to send a request header")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--hello-timeout", options.hello_timeout, "seconds a new connection may take to send its hello")
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
  app.add_option("--grace-period", options.shutdown_grace_seconds,
                 "seconds requests in progress get to finish after SIGTERM or SIGINT")
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  bool no_fsync = false;
  app.add_flag("--no-fsync", no_fsync,
               "acknowledge puts before data and directory entry reach the disk (faster; an acknowledged file may be "
               "lost in a crash)");
  app.add_flag("--shared-root", options.shared_root,
               "serve a root shared with other imgsrv servers (e.g. on CephFS), each with its own --node-id");
  app.add_option("--node-id", options.node_id,
                 "this server's name among those sharing the root (default: host name and port)")
      ->type_name("NAME");
  app.add_option("--tls-cert", options.tls_cert, "speak TLS with this certificate chain (PEM)")->type_name("FILE");
  app.add_option("--tls-key", options.tls_key, "the certificate's private key (PEM)")->type_name("FILE");
  app.add_option("--tls-min", options.tls_min, "lowest TLS version accepted: 1.3 or 1.2")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->capture_default_str();
  app.add_option("--tokens", options.tokens, "require a token from FILE in every hello (see: imgsrv token add)")
      ->type_name("FILE");
  app.add_option("--max-pixels", options.max_pixels,
                 "largest image accepted, in pixels (width x height); larger ones are refused too_large")
      ->type_name("N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--allow-delete", options.allow_delete,
               "without --tokens: let every client delete and rename stored files (with tokens, rwd tokens may)");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "serve the counters as Prometheus text (GET /metrics, plain HTTP) on ADDR:PORT, e.g. 127.0.0.1:9100")
      ->type_name("ADDR:PORT");
  app.add_option("--resume-window", options.resume_window,
                 "seconds an interrupted put -c upload is kept for reput (0: none kept)")
      ->type_name("SECONDS")
      ->capture_default_str();
  TokenAddCommand token_add(app);
  imgsh::server::TokenListCommand token_list(token_add.group());
  imgsh::server::TokenRevokeCommand token_revoke(token_add.group());
  imgsh::server::StoreCheckCommand store_check(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(imgsh::server::explain_parse_error(e, app, *config) + " (see imgsrv --help)");
  }
  if (token_add.chosen()) return token_add.run();
  if (token_list.chosen()) return token_list.run();
  if (token_revoke.chosen()) return token_revoke.run();
  if (store_check.chosen()) return store_check.run();
  auto origin = [&](const std::string& key) { return imgsh::server::config_origin(key, app, *config); };
  if (port_text.empty()) port_text = std::to_string(imgsh::proto::kDefaultPort);
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return fail("--tls-cert and --tls-key go together" + origin(options.tls_cert.empty() ? "tls-key" : "tls-cert"));
  }
  auto port = imgsh::proto::parse_listen_port(port_text);
  if (!port) {
    return fail("invalid port '" + port_text + "': must be a number from 0 (any free port) to 65535" +
                origin("port"));
  }
  options.port = *port;
  if (options.max_sessions == 0) return fail("--max-sessions must be at least 1" + origin("max-sessions"));
  options.root = root;
  options.fsync = !no_fsync;
  std::optional<asio::ip::tcp::endpoint> metrics_at;
  if (!options.metrics_listen.empty()) {
    std::string why;
    metrics_at = imgsh::server::parse_listen_address(options.metrics_listen, why);
    if (!metrics_at) return fail("--metrics-listen: " + why + origin("metrics-listen"));
  }

  try {
    imgsh::server::setup_logging(options.log_level, options.log_format);
  } catch (const std::exception& e) {
    return fail(e.what() + origin("log-level"));
  }
  if (check_only) {
    if (auto problem = imgsh::server::check_config(options, origin); !problem.empty()) return fail(problem);
    std::printf("imgsrv: configuration OK\n");
    return 0;
  }

  try {
    options.max_sessions = imgsh::server::fit_sessions_to_descriptors(options.max_sessions);
    imgsh::server::OpenedLocalStore opened;  // outlives the io_context and every session
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    asio::io_context io(static_cast<int>(threads));
    std::optional<imgsh::server::Gatekeeper> gate;  // outlives the listener and its sessions
    imgsh::server::Listener listener(io, options);  // binds: fails first if the port is taken
    imgsh::server::Metrics metrics;  // outlives the sessions that count in it
    listener.use_metrics(metrics);
    std::optional<imgsh::server::MetricsEndpoint> metrics_endpoint;
    if (metrics_at) metrics_endpoint.emplace(io, *metrics_at, metrics);
    imgsh::server::TlsContext first_tls;
    if (!options.tls_cert.empty()) {
      first_tls = imgsh::server::make_tls_context(options.tls_cert, options.tls_key, options.tls_min);
    }
    std::size_t token_count = 0;
    if (!options.tokens.empty()) {
      auto tokens = imgsh::server::TokenStore::load(options.tokens);
      token_count = tokens.size();
      gate.emplace(std::move(tokens));
      listener.use_gatekeeper(*gate);
    }
    // Holds every TLS context, so it outlives the sessions too.
    imgsh::server::Reloader reloader(options, listener, gate ? &*gate : nullptr, std::move(first_tls));
    // Opens, locks and sweeps the root, once the port is ours (a second server
    // on a taken port says so, not that the root is taken).
    auto ep = listener.local_endpoint();
    std::string node_id = options.node_id.empty() ? imgsh::server::default_node_id(ep.port()) : options.node_id;
    imgsh::server::LocalStoreOptions store_options{options.root, options.fsync, options.shared_root, node_id, whole_file_work};
    store_options.thumbnails.limits.max_pixels = options.max_pixels;  // one pixel limit for puts and thumbnails
    store_options.resume.window = std::chrono::seconds(options.resume_window);
    opened = imgsh::server::open_local_store(store_options);
    if (opened.stale_removed > 0) {
      spdlog::info("removed {} stale temporary files left by an earlier run", opened.stale_removed);
    }
    if (options.shared_root) spdlog::info("shared root, node id {}", node_id);
    imgsh::server::log_security(options, reloader.current_tls(), token_count, ep.address());
    listener.on_reload([&reloader, port = ep.port()] { reloader.reload(port); });
    if (metrics_endpoint) {
      spdlog::info("metrics on http://{}/metrics", imgsh::proto::endpoint_text(metrics_endpoint->local_endpoint()));
      metrics_endpoint->start();
    }
    listener.start(*opened.store);
    // The last start-up line, once SIGHUP and SIGTERM are handled: a reader (an operator,
    // a script, the tests) that waits for it sees everything start-up did and logged.
    spdlog::info("imgsrv {} listening on {} port {}, root {}, {} threads{}", IMGSH_VERSION,
                 options.bind.empty() ? "all interfaces" : ep.address().to_string(), ep.port(),
                 std::filesystem::absolute(options.root).string(), threads, options.fsync ? "" : ", fsync off");
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
