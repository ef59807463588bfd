#include "shell/script_runner.hpp"

#include <iostream>

#include "protocol/display_text.hpp"
#include "protocol/names.hpp"
#include "shell/command_table.hpp"
#include "shell/interrupt.hpp"
#include "shell/line_editor.hpp"
#include "shell/line_parser.hpp"
#include "shell/state_files.hpp"
#include "shell/trim.hpp"

namespace imgsh::shell {
namespace {

// What someone used to sftp may have meant.
std::string_view hint_for_unknown(std::string_view word) {
  if (word == "cd" || word == "mkdir" || word == "rmdir") return "the store has no directories; lcd changes the local one";
  if (word == "pwd") return "the store has no directories; lpwd prints the local one";
  if (word == "del" || word == "mv") return "rm deletes and rename renames a stored file";
  return "try help";
}

// Tab's remote candidates: asked live, bounded in count and time. A server
// that does not answer within the timeout yields none; the client drops that
// connection (it is out of step) and the next command reconnects.
RemoteCandidates remote_names_for_completion(ShellContext& ctx, const std::string& prefix) {
  constexpr std::uint64_t kMaxCandidates = 200;
  Client& client = ctx.client;
  RemoteCandidates candidates;
  client.set_reply_timeout(std::chrono::milliseconds(1000));
  try {
    if (client.ensure_connected()) ctx.reconnected_unsaid = true;
    Listing listing = client.list(prefix, kMaxCandidates);
    // libedit prints and inserts candidates as they are: a name no imgsrv
    // could store (control characters, invalid UTF-8) is never offered.
    for (auto& f : listing.files) {
      if (!proto::check_name(f.name)) candidates.names.push_back(std::move(f.name));
    }
    candidates.truncated = listing.truncated;
  } catch (const std::exception&) {
    candidates = {};
  }
  client.set_reply_timeout(std::chrono::milliseconds(0));
  return candidates;
}

}  // namespace

bool run_command(ShellContext& ctx, const std::vector<std::string>& words) {
  if (words.empty()) return true;
  const Command* command = find_command(words[0]);
  if (!command) {
    std::cerr << "imgsh: unknown command '" << words[0] << "' (" << hint_for_unknown(words[0]) << ")\n";
    return false;
  }
  std::vector<std::string> args(words.begin() + 1, words.end());
  int argc = static_cast<int>(args.size());
  if (command->options) {
    std::string error;
    auto parsed = parse_command_options(args, *command->options, error);
    if (!parsed) {
      std::cerr << "imgsh: " << command->name << ": " << error << "\nimgsh: usage: " << command->usage << "\n";
      return false;
    }
    argc = static_cast<int>(parsed->operands.size());
  }
  if (argc < command->min_args || argc > command->max_args) {
    std::cerr << "imgsh: usage: " << command->usage << "\n";
    return false;
  }
  return command->run(ctx, args);
}

bool run_line(ShellContext& ctx, std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return true;
  if (line.front() == '!') {  // the rest of the line goes to a local shell as typed
    std::string rest(trim(line.substr(1)));
    return run_command(ctx, rest.empty() ? std::vector<std::string>{"!"} : std::vector<std::string>{"!", rest});
  }
  ParsedLine parsed = split_words(line);
  if (!parsed.error.empty()) {
    std::cerr << "imgsh: " << parsed.error << "\n";
    return false;
  }
  return run_command(ctx, parsed.words);
}

int run_script(ShellContext& ctx, std::istream& in) {
  std::string line;
  std::size_t number = 0;
  while (!ctx.quit && std::getline(in, line)) {
    ++number;
    std::string_view text = trim(line);
    bool may_fail = !text.empty() && text.front() == '-';
    if (may_fail) text.remove_prefix(1);
    if (!run_line(ctx, text) && !may_fail) {
      // As sftp -b: which line stopped the script, and what it said.
      std::cerr << "imgsh: script stopped at line " << number << ": "
                << proto::escape_for_display(trim(line)) << "\n";
      return ctx.connection_failed ? 2 : 1;
    }
  }
  return 0;
}

int run_interactive(ShellContext& ctx) {
  Client& client = ctx.client;
  LineEditor editor("imgsh " + client.target_text() + "> ", history_file(),
                    [&ctx](const std::string& prefix) { return remote_names_for_completion(ctx, prefix); });
  client.cancel_when_readable(install_interrupt_pipe());
  while (!ctx.quit) {
    auto line = editor.read_line();
    if (!line) {
      std::cout << "\n";
      break;
    }
    drain_interrupts();
    run_line(ctx, *line);
  }
  return 0;
}

}  // namespace imgsh::shell
