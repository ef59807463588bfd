// The handlers of the remote commands, and the command table itself.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "protocol/names.hpp"
#include "shell/command_table.hpp"
#include "shell/delete_commands.hpp"
#include "shell/file_commands.hpp"
#include "shell/listing.hpp"
#include "shell/local_commands.hpp"
#include "shell/local_paths.hpp"
#include "shell/many_file_commands.hpp"
#include "shell/remote_op.hpp"
#include "shell/remote_patterns.hpp"
#include "shell/shell_context.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

bool cmd_ls(ShellContext& ctx, const std::vector<std::string>& args) {
  std::string error;
  auto options = parse_listing_options(args, error);
  if (!options || options->operands.size() > 1) {
    std::cerr << "imgsh: " << (options ? "usage: ls [-1lh] [PATTERN]" : "ls: " + error) << "\n";
    return false;
  }
  std::string pattern = options->operands.empty() ? "" : options->operands[0];
  bool terminal = ::isatty(STDOUT_FILENO);
  return remote_op(ctx, "list", pattern, [&] {
    std::vector<ListedFile> files;
    std::size_t dropped = 0;
    for (auto& f : list_matching(ctx.client, pattern)) {
      // A name no imgsrv could store is a hostile or broken server's: not shown, not offered.
      if (proto::check_name(f.name)) {
        ++dropped;
        continue;
      }
      files.push_back({std::move(f.name), f.size, f.mtime});
    }
    if (dropped > 0) {
      std::cerr << "imgsh: warning: " << dropped << " name" << (dropped == 1 ? "" : "s")
                << " from the server broke the name rules and " << (dropped == 1 ? "was" : "were") << " left out\n";
    }
    std::cout << format_listing(files, *options, terminal);
    return std::to_string(files.size()) + (files.size() == 1 ? " file" : " files");
  });
}

bool cmd_stat(ShellContext& ctx, const std::vector<std::string>& args) {
  const std::string& name = args[0];
  return remote_op(ctx, "stat", name, [&] {
    check_remote_name(name);
    auto info = ctx.client.stat(name);
    return std::to_string(info.size) + " bytes, modified " + format_time(info.mtime) + ", xxh3 " + info.xxh3;
  });
}

bool cmd_get(ShellContext& ctx, const std::vector<std::string>& args) {
  std::string local_arg = args.size() > 1 ? expand_tilde(args[1]) : "";
  if (has_glob_chars(args[0])) {
    std::error_code ec;
    if (!local_arg.empty() && local_arg.back() != '/' && !std::filesystem::is_directory(local_arg, ec)) {
      std::cerr << "imgsh: get PATTERN LOCAL: LOCAL must be a directory (" << local_arg << " is not)\n";
      return false;
    }
    return get_files(ctx, {args[0]}, local_arg);
  }
  return get_file(ctx, args[0], local_arg);
}

bool cmd_mget(ShellContext& ctx, const std::vector<std::string>& args) { return get_files(ctx, args, ""); }

bool cmd_put(ShellContext& ctx, const std::vector<std::string>& args) {
  if (has_glob_chars(args[0])) {
    if (args.size() > 1) {
      std::cerr << "imgsh: put PATTERN stores each file under its own name; give no REMOTE name\n";
      return false;
    }
    return put_files(ctx, {args[0]});
  }
  std::string path = expand_tilde(args[0]);
  std::string name = args.size() > 1 ? args[1] : std::filesystem::path(path).filename().string();
  return put_file(ctx, path, name);
}

bool cmd_mput(ShellContext& ctx, const std::vector<std::string>& args) { return put_files(ctx, args); }

bool cmd_rm(ShellContext& ctx, const std::vector<std::string>& args) { return remove_files(ctx, args); }
bool cmd_rename(ShellContext& ctx, const std::vector<std::string>& args) { return rename_file(ctx, args[0], args[1]); }

constexpr int kMany = 1 << 16;

}  // namespace

const std::vector<Command>& command_table() {
  static const std::vector<Command> table = {
      {"ls", {"list", "dir"}, Completion::remote, 0, 3, "ls [-1lh] [PATTERN]",
       "list the stored images (names starting with PATTERN, or matching a glob); -l size and time, -h human sizes", cmd_ls},
      {"get", {}, Completion::remote, 1, 2, "get REMOTE [LOCAL]",
       "download REMOTE (or every name a glob matches, into LOCAL if a directory); never overwrites a local file", cmd_get,
       Completion::local},
      {"mget", {}, Completion::remote, 1, kMany, "mget PATTERN...", "download every remote file the patterns match", cmd_mget},
      {"put", {}, Completion::local, 1, 2, "put LOCAL [REMOTE]",
       "upload LOCAL (a .jpg, .jpeg or .png image; a glob uploads every match)", cmd_put,
       Completion::none},
      {"mput", {}, Completion::local, 1, kMany, "mput PATTERN...", "upload every local file the patterns match", cmd_mput},
      {"stat", {}, Completion::remote, 1, 1, "stat NAME", "show the size and modification time of NAME", cmd_stat},
      {"rm", {"delete"}, Completion::remote, 1, kMany, "rm NAME|PATTERN...",
       "delete stored images (each name, or every name a glob matches); needs an rwd token or --allow-delete", cmd_rm},
      {"rename", {}, Completion::remote, 2, 2, "rename OLD NEW",
       "give a stored image a new name of the same kind; never replaces one; needs an rwd token or --allow-delete",
       cmd_rename},
      {"lls", {}, Completion::local, 0, 3, "lls [-1lh] [PATH]", "list a local directory (default: the current one)", cmd_lls},
      {"lcd", {}, Completion::local_dir, 0, 1, "lcd [DIR]", "change the local directory (default: home)", cmd_lcd},
      {"lpwd", {}, Completion::none, 0, 0, "lpwd", "print the local directory", cmd_lpwd},
      {"!", {}, Completion::local, 0, kMany, "!COMMAND", "run COMMAND in a local shell (! alone: an interactive shell)", cmd_shell},
      {"progress", {}, Completion::none, 0, 1, "progress [on|off]", "toggle the progress bar of transfers", cmd_progress},
      {"version", {}, Completion::none, 0, 0, "version", "show the versions of imgsh, the protocol and the server", cmd_version},
      {"help", {"?"}, Completion::command, 0, 1, "help [COMMAND]", "list the commands, or explain one", cmd_help},
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
