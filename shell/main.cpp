// imgsh: a shell for an imgsrv image store. One connection for the whole
// session; commands from a prompt, a script, or the command line.
#include <clocale>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "protocol/version.hpp"
#include "shell/client.hpp"
#include "shell/client_config.hpp"
#include "shell/colour.hpp"
#include "shell/command_table.hpp"
#include "shell/help_text_wrap.hpp"
#include "shell/protocol_trace.hpp"
#include "shell/script_runner.hpp"
#include "shell/state_files.hpp"
#include "shell/target.hpp"
#include "protocol/display_text.hpp"
#include "shell/token_source.hpp"

namespace {

using namespace imgsh::shell;

constexpr int kUsageError = 2;

int usage_error(const std::string& message) {
  std::cerr << "imgsh: " << message << "\nusage: imgsh [OPTIONS] HOST[:PORT] [COMMAND [ARGS...]]\n"
            << "       imgsh HOST PORT put|get|list [FILE]\n(see imgsh --help)\n";
  return kUsageError;
}

// imgsh parses its own positionals (see prefix_command below), so the usage
// line CLI11 would derive from them is replaced by the real one.
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: imgsh [OPTIONS] HOST[:PORT] [COMMAND [ARGS...]]\n"
           "       imgsh [OPTIONS] HOST PORT put|get|list [FILE]\n";
  }
  // Wrapped at word boundaries to the terminal (CLI11 2.1 does not wrap).
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    return wrap_help_text(CLI::Formatter::make_help(app, std::move(name), mode), help_width(STDOUT_FILENO));
  }
};

// The classic form: HOST PORT [put|get|list [FILE]].
bool is_classic_form(const std::vector<std::string>& args) {
  return args.size() >= 2 && args[0].find(':') == std::string::npos && is_valid_port(args[1]);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket is an error to report, not a death
  std::string batch_file;
  bool quiet = false;
  bool verbose = false;
  TlsSettings tls;
  std::string token_file;
  bool allow_plaintext_token = false;
  double connect_timeout = 10;
  double query_timeout = 30;
  double stall_timeout = 60;
  CLI::App app{"imgsh: a shell for imgsrv image stores", "imgsh"};
  app.set_version_flag("--version", "imgsh " IMGSH_VERSION);
  app.formatter(std::make_shared<UsageFormatter>());
  app.add_option("-b,--batch", batch_file, "run the commands in FILE (- for stdin); stop at the first failure")
      ->type_name("FILE");
  app.add_flag("-q,--quiet", quiet, "print no report line for commands that succeed, and no progress bar");
  bool json = false;
  app.add_flag("--json", json,
               "print one JSON object per command on stdout (its data, status, code and message) instead of "
               "report lines");
  app.add_flag("-v,--verbose", verbose, "trace the protocol: one line per frame header sent or received, on stderr");
  app.add_flag("--tls", tls.enabled, "connect with TLS (as does a target written imgs://HOST:PORT)");
  app.add_option("--ca", tls.ca_file, "trust the CA certificates in FILE (default: the system's); implies --tls")
      ->type_name("FILE");
  app.add_flag("--insecure", tls.insecure, "TLS without checking the server's certificate (DANGEROUS); implies --tls");
  app.add_option("--token-file", token_file, "send the token in FILE (default: $IMGSH_TOKEN)")->type_name("FILE");
  app.add_flag("--allow-plaintext-token", allow_plaintext_token,
               "send the token even over plain TCP to a non-loopback address, where anyone on the path can read "
               "it (RISKY; use TLS instead)");
  app.add_option("--connect-timeout", connect_timeout,
                 "give up when connecting (TCP, TLS handshake, hello) takes over S seconds (default 10; 0: no limit)")
      ->type_name("S")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", query_timeout,
                 "give up when ls or stat gets no reply within S seconds (default 30; 0: no limit; transfers have none)")
      ->type_name("S")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--stall-timeout", stall_timeout,
                 "give up on a get or put whose body moves no byte for S seconds (default 60; 0: no limit)")
      ->type_name("S")
      ->check(CLI::NonNegativeNumber);
  std::string commands;
  for (const auto& c : command_table()) commands += (commands.empty() ? "" : ", ") + std::string(c.name);
  app.footer("Commands: " + commands +
             "\n(imgsh help explains them; it needs no server). In a script, a line starting with '-' may fail.\n"
             "History and past targets: $XDG_STATE_HOME/imgsh (else ~/.local/state/imgsh).\n"
             "Named hosts: $XDG_CONFIG_HOME/imgsh/config (else ~/.config/imgsh/config).");
  bool no_colour = false;
  app.add_flag("--no-color", no_colour,
               "print report lines without colour (by default, on a terminal: failures red, ok muted; NO_COLOR "
               "set also turns it off)");
  bool list_hosts = false;
  app.add_flag("--list-hosts", list_hosts,
               "print the host names of the config file ($XDG_CONFIG_HOME/imgsh/config), one a line, and exit");
  app.prefix_command();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  std::vector<std::string> args = app.remaining();
  std::string config_error;
  auto config = load_client_config(client_config_path(), config_error);
  if (!config) {
    std::cerr << "imgsh: " << config_error << "\n";
    return kUsageError;
  }
  if (list_hosts) {
    for (const auto& h : config->hosts) std::cout << h.name << "\n";
    return 0;
  }
  if (args.empty()) return usage_error("no server given");
  Target target;
  std::vector<std::string> command;
  // help needs no server (imgsh help, imgsh HOST help): it answers when none is there.
  auto is_help = [](const std::string& word) { const Command* c = find_command(word); return c && c->name == "help"; };
  if (is_help(args[0]) && !config->find(args[0])) {
    command = args;
  } else if (const ConfiguredHost* host = config->find(args[0])) {  // a named host; the command line overrides it
    std::string error;
    target = parse_target(host->target, error).value();  // checked when the file was read
    target.tls = target.tls || host->tls;
    if (tls.ca_file.empty()) tls.ca_file = host->ca_file;
    if (token_file.empty()) token_file = host->token_file;
    command.assign(args.begin() + 1, args.end());
  } else if (is_classic_form(args)) {
    target = {args[0], args[1]};
    command.assign(args.begin() + 2, args.end());
  } else {
    std::string error;
    auto parsed = parse_target(args[0], error);
    if (!parsed) return usage_error(error);
    target = *parsed;
    command.assign(args.begin() + 1, args.end());
  }
  if (!command.empty()) {
    const Command* c = find_command(command[0]);
    if (!c) return usage_error("unknown command '" + command[0] + "'");
    int argc_given = static_cast<int>(command.size()) - 1;
    if (c->options) {  // counts are of operands: options parsed (and refused by name) first
      std::string error;
      auto parsed = parse_command_options({command.begin() + 1, command.end()}, *c->options, error);
      if (!parsed) return usage_error(std::string(c->name) + ": " + error + "\nusage: " + std::string(c->usage));
      argc_given = static_cast<int>(parsed->operands.size());
    }
    if (argc_given < c->min_args || argc_given > c->max_args) return usage_error("usage: " + std::string(c->usage));
  }
  if (!command.empty() && !batch_file.empty()) return usage_error("give either a command or -b FILE, not both");
  if (!command.empty() && is_help(command[0])) {
    Client offline(target.host, target.port);  // never connected
    Reporter reporter(quiet, json);
    ShellContext ctx{offline, reporter};
    return run_command(ctx, command) ? 0 : 1;
  }

  std::ifstream script;
  if (!batch_file.empty() && batch_file != "-") {
    script.open(batch_file);
    if (!script) {
      return usage_error("cannot read batch file " + imgsh::proto::escape_for_display(batch_file) + ": " +
                         std::strerror(errno));
    }
  }

  if (verbose) enable_protocol_trace();
  std::setlocale(LC_CTYPE, "");  // libedit edits and lists UTF-8 names as characters
  Client client(target.host, target.port);
  TokenSource token;
  try {
    tls.enabled = tls.enabled || target.tls || !tls.ca_file.empty() || tls.insecure;
    if (tls.insecure) warn_insecure();
    if (tls.enabled) client.use_tls(tls);
    token = find_token(token_file);
    if (!token.value.empty()) client.use_token(token.value);
    client.allow_plaintext_token(allow_plaintext_token);
    client.set_connect_timeout(std::chrono::milliseconds(static_cast<std::int64_t>(connect_timeout * 1000)));
    client.set_query_timeout(std::chrono::milliseconds(static_cast<std::int64_t>(query_timeout * 1000)));
    client.set_stall_timeout(std::chrono::milliseconds(static_cast<std::int64_t>(stall_timeout * 1000)));
    client.connect();
  } catch (const RemoteError& e) {
    bool unauthorized = e.code() == imgsh::proto::Errc::unauthorized;
    std::cerr << "imgsh: " << imgsh::proto::to_string(e.code()) << ": "
              << imgsh::proto::escape_for_display(unauthorized ? explain_unauthorized(e.what(), token) : std::string(e.what())) << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "imgsh: " << imgsh::proto::escape_for_display(e.what()) << "\n";  // may quote the server
    return kUsageError;
  }
  remember_target(client.target_text());
  Reporter reporter(quiet, json);
  reporter.use_colour(!json && colour_wanted(STDERR_FILENO, no_colour));
  ShellContext ctx{client, reporter};
  ctx.token = token;
  ctx.stdin_free = !command.empty() || (!batch_file.empty() && batch_file != "-");
  ctx.progress = ::isatty(STDERR_FILENO) && !quiet;  // drawn on stderr, as the reports; like sftp -q, none with -q
  int status = 0;
  if (!command.empty()) {
    status = run_command(ctx, command) ? 0 : (ctx.connection_failed ? 2 : 1);
  } else if (!batch_file.empty()) {
    status = run_script(ctx, batch_file == "-" ? std::cin : script);
  } else if (!::isatty(STDIN_FILENO)) {
    status = run_script(ctx, std::cin);
  } else {
    ctx.interactive = true;
    status = run_interactive(ctx);
  }
  client.bye();
  return status;
}
