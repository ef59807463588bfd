#include "shell/local_commands.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "protocol/version.hpp"
#include "shell/command_table.hpp"
#include "shell/help_text_wrap.hpp"
#include "shell/listing.hpp"
#include "shell/local_paths.hpp"
#include "shell/shell_context.hpp"
#include "protocol/display_text.hpp"

namespace imgsh::shell {
namespace {

bool local_failure(std::string_view command, const std::string& what, int err) {
  std::cerr << "imgsh: " << command << ": " << proto::escape_for_display(what) << ": " << std::strerror(err) << "\n";
  return false;
}

std::optional<ListedFile> listed(const std::string& path, const std::string& shown) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return ListedFile{S_ISDIR(st.st_mode) ? shown + "/" : shown, static_cast<std::uint64_t>(st.st_size), st.st_mtime};
}

bool list_local_matches(const std::string& pattern, const ListingOptions& options) {
  std::vector<ListedFile> files;
  for (const auto& path : expand_local_pattern(pattern)) {
    if (auto f = listed(path, path)) files.push_back(*f);
  }
  if (files.empty()) {
    std::cerr << "imgsh: lls: no local file matches " << proto::escape_for_display(pattern) << "\n";
    return false;
  }
  std::cout << format_listing(files, options, ::isatty(STDOUT_FILENO)) << std::flush;
  return true;
}

}  // namespace

bool cmd_lls(ShellContext&, const std::vector<std::string>& args) {
  std::string error;
  auto options = parse_listing_options(args, error);
  if (!options || options->operands.size() > 1) {
    std::cerr << "imgsh: " << (options ? "usage: lls [-1lh] [PATH]" : "lls: " + error) << "\n";
    return false;
  }
  if (!options->operands.empty() && has_glob_chars(options->operands[0])) {
    return list_local_matches(options->operands[0], *options);  // lls *.JPG, case-insensitive as mput's
  }
  std::string path = options->operands.empty() ? "." : expand_tilde(options->operands[0]);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return local_failure("lls", path, errno);
  std::vector<ListedFile> files;
  if (S_ISDIR(st.st_mode)) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.front() == '.') continue;
      if (auto f = listed(it->path().string(), name)) files.push_back(*f);
    }
    if (ec) return local_failure("lls", path, ec.value());
    std::sort(files.begin(), files.end(), [](const ListedFile& a, const ListedFile& b) { return a.name < b.name; });
  } else if (auto f = listed(path, options->operands[0])) {
    files.push_back(*f);
  }
  std::cout << format_listing(files, *options, ::isatty(STDOUT_FILENO)) << std::flush;
  return true;
}

bool cmd_lcd(ShellContext&, const std::vector<std::string>& args) {
  std::string dir = expand_tilde(args.empty() ? "~" : args[0]);
  if (::chdir(dir.c_str()) != 0) return local_failure("lcd", dir, errno);
  return true;
}

bool cmd_lpwd(ShellContext&, const std::vector<std::string>&) {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  if (ec) return local_failure("lpwd", ".", ec.value());
  std::cout << cwd.string() << "\n";
  return true;
}

// `!COMMAND` runs COMMAND with /bin/sh; `!` alone starts $SHELL.
bool cmd_shell(ShellContext&, const std::vector<std::string>& args) {
  std::string command;
  for (const auto& a : args) command += (command.empty() ? "" : " ") + a;
  if (command.empty()) {
    const char* shell = std::getenv("SHELL");
    command = shell && *shell ? shell : "/bin/sh";
  }
  std::cout << std::flush;
  int status = std::system(command.c_str());
  if (status == -1) return local_failure("!", command, errno);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool cmd_progress(ShellContext& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    ctx.progress = !ctx.progress;
  } else if (args[0] == "on" || args[0] == "off") {
    ctx.progress = args[0] == "on";
  } else {
    std::cerr << "imgsh: usage: progress [on|off]\n";
    return false;
  }
  if (ctx.progress && !::isatty(STDERR_FILENO)) {
    ctx.progress = false;
    std::cerr << "progress bar: off (stderr is not a terminal)\n";
    return true;
  }
  std::cerr << "progress bar: " << (ctx.progress ? "on" : "off") << "\n";
  return true;
}

bool cmd_version(ShellContext& ctx, const std::vector<std::string>&) {
  std::cout << "imgsh " IMGSH_VERSION ", protocol " << proto::kProtocolVersion << "; server: " << proto::escape_for_display(ctx.client.server_name())
            << " at " << ctx.client.server_text() << "\n";
  return true;
}

bool cmd_help(ShellContext&, const std::vector<std::string>& args) {
  if (!args.empty()) {
    const Command* c = find_command(args[0]);
    if (!c) {
      std::cerr << "imgsh: no command '" << args[0] << "' (try help)\n";
      return false;
    }
    std::string text = "usage: " + std::string(c->usage) + "\n  " + std::string(c->help) + "\n";
    if (!c->aliases.empty()) {
      text += "  also:";
      for (auto a : c->aliases) text.append(" ").append(a);
      text += "\n";
    }
    std::cout << wrap_help_text(text, help_width(STDOUT_FILENO));
    return true;
  }
  std::string text = "imgsh " IMGSH_VERSION " commands (help COMMAND for one):\n";
  constexpr std::size_t kUsageColumn = 22;  // on a terminal, a longer usage puts its help on the next line
  std::size_t width = help_width(STDOUT_FILENO);
  for (const auto& c : command_table()) {
    std::string usage(c.usage);
    if (usage.size() > kUsageColumn && width > 0) usage.append("\n").append(kUsageColumn + 2, ' ');
    else usage.resize(std::max(usage.size(), kUsageColumn) + 2, ' ');
    text.append("  ").append(usage).append(c.help).append("\n");
  }
  std::cout << wrap_help_text(text, width);  // never splits a word, as the terminal would
  return true;
}

bool cmd_quit(ShellContext& ctx, const std::vector<std::string>&) {
  ctx.quit = true;
  return true;
}

}  // namespace imgsh::shell
