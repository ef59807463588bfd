// The handlers of the remote commands, and the command table itself.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "protocol/display_text.hpp"
#include "protocol/names.hpp"
#include "shell/command_table.hpp"
#include "shell/delete_commands.hpp"
#include "shell/file_commands.hpp"
#include "shell/image_listing.hpp"
#include "shell/listing.hpp"
#include "shell/listing_sort.hpp"
#include "shell/listing_stream.hpp"
#include "shell/local_commands.hpp"
#include "shell/local_paths.hpp"
#include "shell/many_file_commands.hpp"
#include "shell/remote_glob.hpp"
#include "shell/remote_op.hpp"
#include "shell/remote_patterns.hpp"
#include "shell/shell_context.hpp"
#include "shell/stats_command.hpp"
#include "shell/thumb_commands.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

const OptionTable kMgetOptions = {
    {'p', "", false, "keep the remote file's modification time"},
    {'n', "", false, "skip a file already here with the same content (xxh3)"},
    {'c', "", false, "continue each download kept from before (as reget); skip files already here"},
};
const OptionTable kGetOptions = {
    {'p', "", false, "keep the remote file's modification time"},
    {'n', "", false, "skip a file already here with the same content (xxh3)"},
    {0, "thumb", true, "save a thumbnail, its longer side at most EDGE pixels"},
    {'c', "", false, "continue a download kept from before (as reget)"},
};
const OptionTable kPutOptions = {
    {'n', "", false, "skip a file already stored with the same content (xxh3)"},
    {'p', "", false, "the stored file keeps the local file's modification time"},
    {'c', "", false, "continue an upload the server kept from before (as reput)"},
};
const OptionTable kMputOptions = {
    {'n', "", false, "skip a file already stored with the same content (xxh3)"},
    {'c', "", false, "continue each upload the server kept from before (as reput); skip files already stored"},
};
const OptionTable kNoOptions = {};
const OptionTable kRegetOptions = {
    {'p', "", false, "keep the remote file's modification time"},
};
const OptionTable kReputOptions = {
    {'p', "", false, "the stored file keeps the local file's modification time"},
};

// The command's words past its options; run_command checked them already.
ParsedOptions parsed(const std::vector<std::string>& words, const OptionTable& table) {
  std::string error;
  return parse_command_options(words, table, error).value_or(ParsedOptions{});
}

TransferFlags transfer_flags(const ParsedOptions& options) {
  return {.preserve_time = options.has("p"), .skip_same = options.has("n"), .resume = options.has("c")};  // -p: get and mget only
}

bool cmd_ls(ShellContext& ctx, const std::vector<std::string>& args) {
  std::string error;
  std::vector<std::string> rest = args;
  auto order = take_sort_options(rest, error);
  auto options = order ? parse_listing_options(rest, error) : std::nullopt;
  if (!options || options->operands.size() > 1) {
    std::cerr << "imgsh: " << (options ? "usage: ls [-1lhtSr] [--sort=WORD] [PATTERN]" : "ls: " + error) << "\n";
    return false;
  }
  std::string pattern = options->operands.empty() ? "" : options->operands[0];
  bool terminal = ::isatty(STDOUT_FILENO);
  // Only another order than the server's (by name) needs the whole listing; else each
  // entry is printed as it arrives (listing_stream.hpp).
  bool sorted = order->key != SortKey::name || order->reverse;
  return remote_op(ctx, "list", pattern, [&] {
    ListingPrinter printer(ctx.reporter, *options, terminal, locale_is_utf8());
    std::vector<ListedFile> held;
    std::size_t dropped = 0;
    auto take = [&](proto::FileInfo&& f) {
      // A name no imgsrv could store is a hostile or broken server's: not shown, not offered.
      if (proto::check_name(f.name)) {
        ++dropped;
        return;
      }
      ListedFile file{std::move(f.name), f.size, f.mtime, std::move(f.image)};
      if (sorted) held.push_back(std::move(file));
      else printer.add(std::move(file));
    };
    if (sorted) {
      for (auto& f : list_matching(ctx.client, pattern)) take(std::move(f));
      sort_listing(held, *order);
      for (auto& f : held) printer.add(std::move(f));
    } else {
      each_matching(ctx.client, pattern, take);
    }
    if (dropped > 0) {
      std::cerr << "imgsh: warning: " << dropped << " name" << (dropped == 1 ? "" : "s")
                << " from the server broke the name rules and " << (dropped == 1 ? "was" : "were") << " left out\n";
    }
    // As mget's: a pattern that matches nothing is an error naming it (an empty store is not).
    if (printer.count() == 0 && dropped == 0 && !pattern.empty()) {
      throw proto::ProtocolError(Errc::not_found, "no remote file matches " + pattern);
    }
    printer.finish();
    return std::to_string(printer.count()) + (printer.count() == 1 ? " file" : " files");
  });
}

bool stat_one(ShellContext& ctx, const std::string& name);

bool cmd_stat(ShellContext& ctx, const std::vector<std::string>& words) {
  std::string name = parsed(words, kNoOptions).operands.at(0);
  if (!has_glob_chars(name)) return stat_one(ctx, name);
  auto names = remote_glob_names(ctx, "stat", name);  // none: not_found, as mget's
  if (!names) return false;
  bool ok = true;
  for (std::size_t i = 0; i < names->size(); ++i) {
    if (i > 0 && !ctx.reporter.json()) std::cout << "\n";  // a blank line between files' fields
    ok = stat_one(ctx, (*names)[i]) && ok;
  }
  return ok;
}

bool stat_one(ShellContext& ctx, const std::string& name) {
  return remote_op(ctx, "stat", name, [&] {
    check_remote_name(name);
    auto info = ctx.client.stat(name);
    if (ctx.reporter.json()) {
      ctx.reporter.attach("size", info.size);
      ctx.reporter.attach("mtime", info.mtime);
      ctx.reporter.attach("xxh3", info.xxh3);
      if (info.image) ctx.reporter.attach("image", proto::to_json(*info.image));
      return std::to_string(info.size) + " bytes";
    }
    // The fields are data (stdout); the report line (stderr) only says it worked.
    std::cout << format_file_facts(info, locale_is_utf8()) << std::flush;
    return std::to_string(info.size) + " bytes";
  });
}

bool cmd_get(ShellContext& ctx, const std::vector<std::string>& words) {
  auto options = parsed(words, kGetOptions);
  const auto& args = options.operands;
  if (options.has("thumb")) {
    std::vector<std::string> thumb_args = {"--thumb", options.value("thumb")};
    thumb_args.insert(thumb_args.end(), args.begin(), args.end());
    return get_thumbnail(ctx, thumb_args);
  }
  TransferFlags flags = transfer_flags(options);
  std::string local_arg = args.size() > 1 ? expand_tilde(args[1]) : "";
  if (has_glob_chars(args[0])) {
    std::error_code ec;
    if (!local_arg.empty() && local_arg.back() != '/' && !std::filesystem::is_directory(local_arg, ec)) {
      std::cerr << "imgsh: get PATTERN LOCAL: LOCAL must be a directory (" << local_arg << " is not)\n";
      return false;
    }
    return get_files(ctx, {args[0]}, local_arg, flags);
  }
  if (flags.resume && local_arg == "-") {
    std::cerr << "imgsh: get -c keeps what arrives in a file to continue; it cannot write to standard output (-)\n";
    return false;
  }
  return get_file(ctx, args[0], local_arg, flags);
}

bool cmd_mget(ShellContext& ctx, const std::vector<std::string>& words) {
  auto options = parsed(words, kMgetOptions);
  return get_files(ctx, options.operands, "", transfer_flags(options));
}

// reget REMOTE [LOCAL]: get -c.
bool cmd_reget(ShellContext& ctx, const std::vector<std::string>& words) {
  auto options = parsed(words, kRegetOptions);
  const auto& args = options.operands;
  TransferFlags flags = transfer_flags(options);
  flags.resume = true;
  if (args.size() > 1 && args[1] == "-") {
    std::cerr << "imgsh: reget keeps what arrives in a file to continue; it cannot write to standard output (-)\n";
    return false;
  }
  return get_file(ctx, args[0], args.size() > 1 ? expand_tilde(args[1]) : "", flags);
}

bool cmd_put(ShellContext& ctx, const std::vector<std::string>& words) {
  auto options = parsed(words, kPutOptions);
  const auto& args = options.operands;
  TransferFlags flags = transfer_flags(options);
  if (args[0] == "-" && args.size() < 2) {
    std::cerr << "imgsh: put - NAME: name the file that standard input holds\n";
    return false;
  }
  if (args[0] == "-" && !ctx.stdin_free) {
    std::cerr << "imgsh: put -: standard input carries the commands here; use a one-shot command (imgsh HOST put - NAME)\n";
    return false;
  }
  if (has_glob_chars(args[0])) {
    if (args.size() > 1) {
      std::cerr << "imgsh: put PATTERN stores each file under its own name; give no REMOTE name\n";
      return false;
    }
    if (flags.preserve_time) {
      std::cerr << "imgsh: put -p takes one file, not a PATTERN\n";
      return false;
    }
    return put_files(ctx, {args[0]}, flags);
  }
  std::string path = args[0] == "-" ? args[0] : expand_tilde(args[0]);
  std::string name = args.size() > 1 ? args[1] : std::filesystem::path(path).filename().string();
  return put_file(ctx, path, name, flags);
}

// reput LOCAL [REMOTE]: put -c.
bool cmd_reput(ShellContext& ctx, const std::vector<std::string>& words) {
  std::vector<std::string> as_put = words;
  as_put.insert(as_put.begin(), "-c");
  return cmd_put(ctx, as_put);
}

bool cmd_mput(ShellContext& ctx, const std::vector<std::string>& words) {
  auto options = parsed(words, kMputOptions);
  return put_files(ctx, options.operands, transfer_flags(options));
}

bool cmd_rm(ShellContext& ctx, const std::vector<std::string>& args) { return remove_files(ctx, args); }
bool cmd_rename(ShellContext& ctx, const std::vector<std::string>& args) { return rename_file(ctx, args[0], args[1]); }

constexpr int kMany = 1 << 16;

}  // namespace

const std::vector<Command>& command_table() {
  static const std::vector<Command> table = {
      {"ls", {"list", "dir"}, Completion::remote, 0, 6, "ls [-1lhtSr] [--sort=WORD] [PATTERN]",
       "list the stored images (names starting with PATTERN, or matching a glob); -l size, time, dimensions and "
       "format, -h human sizes; sorted by name, -t time, -S size, --sort=taken|pixels|name|time|size, -r reversed",
       cmd_ls},
      {"get", {}, Completion::remote, 1, 2, "get [-pnc] [--thumb EDGE] REMOTE [LOCAL|-]",
       "download REMOTE (or every name a glob matches, into LOCAL if a directory; - writes it to stdout); never "
       "overwrites a local file; -p keeps the modification time; -n skips a local file with the same content; "
       "-c continues a download kept from before (as reget); "
       "--thumb EDGE saves a thumbnail (longer side at most EDGE pixels) as NAME_EDGE.jpg or .png",
       cmd_get, Completion::local, &kGetOptions},
      {"mget", {}, Completion::remote, 1, kMany, "mget [-pnc] PATTERN...",
       "download every remote file the patterns match (-p, -n as for get); an interrupted file keeps its bytes "
       "for reget; -c continues each one kept from before and skips those already here with the same content",
       cmd_mget, std::nullopt, &kMgetOptions},
      {"reget", {}, Completion::remote, 1, 2, "reget [-p] REMOTE [LOCAL]",
       "continue a download that failed or was cancelled: an interrupted get keeps its bytes in a hidden "
       ".NAME.XXH3.imgsh-partial beside LOCAL; reget asks for the rest, checks the whole file's xxh3, then saves it "
       "(a partial kept for other content is removed and the download starts over)",
       cmd_reget, Completion::local, &kRegetOptions},
      {"put", {}, Completion::local, 1, 2, "put [-npc] LOCAL [REMOTE]",
       "upload LOCAL (a .jpg, .jpeg or .png image; a glob uploads every match; - reads stdin, spooled to a temporary "
       "file first, in a one-shot command); -n skips a stored file with the same content; -p the stored file keeps "
       "LOCAL's modification time; -c continues an upload the server kept from before (as reput; a glob: as mput -c)",
       cmd_put, Completion::none, &kPutOptions},
      {"reput", {}, Completion::local, 1, 2, "reput [-p] LOCAL [REMOTE]",
       "continue an upload that failed or was cancelled: the server keeps what arrived of a put -c or reput for "
       "its resume window (default 10 minutes); reput sends the file's xxh3, the server says how much it holds of "
       "that same name, size and content, only the rest is sent, and the whole file's xxh3 is checked before the "
       "name appears (nothing kept: all is sent)",
       cmd_reput, Completion::none, &kReputOptions},
      {"mput", {}, Completion::local, 1, kMany, "mput [-nc] PATTERN...",
       "upload every local file the patterns match (-n as for put); -c sends each one as put -c does, so an "
       "interrupted mput -c run again continues each upload the server kept and skips those already stored with "
       "the same content",
       cmd_mput, std::nullopt, &kMputOptions},
      {"stat", {}, Completion::remote, 1, 1, "stat NAME|PATTERN",
       "show the size, modification time, checksum and image facts (dimensions, depth, colour, EXIF) of NAME (a glob: "
       "of every name it matches)", cmd_stat,
       std::nullopt, &kNoOptions},
      {"view", {}, Completion::remote, 1, 1, "view NAME|PATTERN",
       "draw NAME in the terminal, sized to it (a glob: a contact sheet of the matches, names under them)", cmd_view,
       std::nullopt, &kNoOptions},
      {"rm", {"delete"}, Completion::remote, 1, kMany, "rm NAME|PATTERN...",
       "delete stored images (each name, or every name a glob matches); needs an rwd token or --allow-delete", cmd_rm,
       std::nullopt, &kNoOptions},
      {"rename", {}, Completion::remote, 2, 2, "rename OLD NEW",
       "give a stored image a new name of the same kind; never replaces one; needs an rwd token or --allow-delete",
       cmd_rename, std::nullopt, &kNoOptions},
      {"stats", {}, Completion::none, 0, 0, "stats",
       "show the server's counters: requests by op and result, errors by code, bytes, sessions, request durations",
       cmd_stats, std::nullopt, &kNoOptions},
      {"lls", {}, Completion::local, 0, 3, "lls [-1lh] [PATH|PATTERN]",
       "list a local directory (default: the current one), or the local files a glob matches", cmd_lls},
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
