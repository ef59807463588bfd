// The handlers of the command table, and the table itself.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>

#include "protocol/names.hpp"
#include "protocol/version.hpp"
#include "shell/command_table.hpp"
#include "shell/local_files.hpp"
#include "shell/shell_context.hpp"
#include "shell/transfer_batch.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

std::string format_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string rate_text(std::uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  char buf[64];
  if (bytes < (1u << 20) || seconds < 0.0005) {
    std::snprintf(buf, sizeof buf, "in %.3f s", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "in %.3f s (%.1f MB/s)", seconds, static_cast<double>(bytes) / seconds / 1e6);
  }
  return buf;
}

// Runs one remote operation: reconnects if the connection was lost, turns
// every failure into one report line with its code. Returns success.
bool remote_op(ShellContext& ctx, std::string_view op, const std::string& file, const std::function<std::string()>& body) {
  Client& client = ctx.client;
  ctx.connection_failed = false;
  try {
    if (client.ensure_connected()) std::cerr << "imgsh: reconnected to " << client.server_text() << "\n";
    ctx.reporter.ok(client.server_text(), op, file, body());
    return true;
  } catch (const proto::ProtocolError& e) {
    ctx.reporter.fail(client.server_text(), op, file, proto::to_string(e.code()), e.what());
  } catch (const ConnectionError& e) {
    ctx.connection_failed = true;
    ctx.reporter.fail(client.server_text(), op, file, "connection_lost", e.what());
  } catch (const LocalIoError& e) {
    ctx.reporter.fail(client.server_text(), op, file, "local_error", e.what());
  }
  return false;
}

void check_remote_name(const std::string& name) {
  if (auto problem = proto::check_name(name)) throw proto::ProtocolError(problem->code, problem->message);
}

bool cmd_ls(ShellContext& ctx, const std::vector<std::string>& args) {
  std::string prefix = args.empty() ? "" : args[0];
  return remote_op(ctx, "list", prefix, [&] {
    auto files = ctx.client.list(prefix, 0);
    for (const auto& f : files) std::cout << f.name << "\n";
    return std::to_string(files.size()) + (files.size() == 1 ? " file" : " files");
  });
}

bool cmd_stat(ShellContext& ctx, const std::vector<std::string>& args) {
  const std::string& name = args[0];
  return remote_op(ctx, "stat", name, [&] {
    check_remote_name(name);
    auto info = ctx.client.stat(name);
    return std::to_string(info.size) + " bytes, modified " + format_time(info.mtime);
  });
}

// get R1 R2 R3... [DIR]: several files, pipelined (transfer_batch.cpp).
bool get_several(ShellContext& ctx, const std::vector<std::string>& args) {
  std::filesystem::path last(args.back());
  bool to_dir = args.back().ends_with('/') || std::filesystem::is_directory(last);
  std::vector<std::string> names(args.begin(), to_dir ? args.end() - 1 : args.end());
  return get_batch(ctx, names, to_dir ? args.back() : "").failed == 0;
}

bool cmd_get(ShellContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 2) return get_several(ctx, args);
  const std::string& name = args[0];
  return remote_op(ctx, "get", name, [&] {
    check_remote_name(name);
    std::string path = download_path(name, args.size() > 1 ? args[1] : "");
    Download download(path);
    auto start = std::chrono::steady_clock::now();
    auto info = ctx.client.get(name, download.fd());
    download.commit();
    return "saved " + std::to_string(info.size) + " bytes to " + path + " " +
           rate_text(info.size, std::chrono::steady_clock::now() - start);
  });
}

bool cmd_put(ShellContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 2) return put_batch(ctx, args).failed == 0;  // put L1 L2 L3...: pipelined
  const std::string& path = args[0];
  std::string name = args.size() > 1 ? args[1] : std::filesystem::path(path).filename().string();
  return remote_op(ctx, "put", name, [&] {
    UploadSource src = open_upload_source(path, name);
    auto start = std::chrono::steady_clock::now();
    auto info = ctx.client.put(name, src.fd.get(), src.size);
    return "stored " + std::to_string(info.size) + " bytes " +
           rate_text(info.size, std::chrono::steady_clock::now() - start);
  });
}

bool cmd_help(ShellContext&, const std::vector<std::string>& args) {
  if (!args.empty()) {
    const Command* c = find_command(args[0]);
    if (!c) {
      std::cerr << "imgsh: no command '" << args[0] << "' (try help)\n";
      return false;
    }
    std::cout << "usage: " << c->usage << "\n  " << c->help << "\n";
    return true;
  }
  std::cout << "imgsh " IMGSH_VERSION " commands:\n";
  for (const auto& c : command_table()) {
    std::string usage(c.usage);
    usage.resize(std::max<std::size_t>(usage.size(), 24), ' ');
    std::cout << "  " << usage << "  " << c.help << "\n";
  }
  return true;
}

bool cmd_quit(ShellContext& ctx, const std::vector<std::string>&) {
  ctx.quit = true;
  return true;
}

}  // namespace

constexpr int kManyArgs = 1 << 20;

const std::vector<Command>& command_table() {
  static const std::vector<Command> table = {
      {"ls", {"list", "dir"}, Completion::remote, 0, 1, "ls [PREFIX]", "list the stored images (names starting with PREFIX)", cmd_ls},
      {"get", {}, Completion::remote, 1, kManyArgs, "get REMOTE [LOCAL] | get REMOTE... [DIR]", "download REMOTE; never overwrites a local file", cmd_get},
      {"put", {}, Completion::local, 1, kManyArgs, "put LOCAL [REMOTE] | put LOCAL...", "upload LOCAL (a .jpg, .jpeg or .png image)", cmd_put},
      {"stat", {}, Completion::remote, 1, 1, "stat NAME", "show the size and modification time of NAME", cmd_stat},
      {"help", {"?"}, Completion::none, 0, 1, "help [COMMAND]", "list the commands, or explain one", cmd_help},
      {"quit", {"exit", "bye"}, Completion::none, 0, 0, "quit", "close the connection and leave", cmd_quit},
  };
  return table;
}

const Command* find_command(std::string_view word) {
  for (const auto& c : command_table()) {
    if (c.name == word) return &c;
    for (auto alias : c.aliases) {
      if (alias == word) return &c;
    }
  }
  return nullptr;
}

}  // namespace imgsh::shell
