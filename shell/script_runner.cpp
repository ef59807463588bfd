#include "shell/script_runner.hpp"

#include <iostream>

#include "shell/command_table.hpp"
#include "shell/line_editor.hpp"
#include "shell/line_parser.hpp"

namespace imgsh::shell {
namespace {

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

}  // namespace

bool run_command(ShellContext& ctx, const std::vector<std::string>& words) {
  if (words.empty()) return true;
  const Command* command = find_command(words[0]);
  if (!command) {
    std::cerr << "imgsh: unknown command '" << words[0] << "' (try help)\n";
    return false;
  }
  int argc = static_cast<int>(words.size()) - 1;
  if (argc < command->min_args || argc > command->max_args) {
    std::cerr << "imgsh: usage: " << command->usage << "\n";
    return false;
  }
  return command->run(ctx, {words.begin() + 1, words.end()});
}

bool run_line(ShellContext& ctx, std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return true;
  ParsedLine parsed = split_words(line);
  if (!parsed.error.empty()) {
    std::cerr << "imgsh: " << parsed.error << "\n";
    return false;
  }
  return run_command(ctx, parsed.words);
}

int run_script(ShellContext& ctx, std::istream& in) {
  std::string line;
  while (!ctx.quit && std::getline(in, line)) {
    std::string_view text = trim(line);
    bool may_fail = !text.empty() && text.front() == '-';
    if (may_fail) text.remove_prefix(1);
    if (!run_line(ctx, text) && !may_fail) return ctx.connection_failed ? 2 : 1;
  }
  return 0;
}

int run_interactive(ShellContext& ctx) {
  LineEditor editor("imgsh " + ctx.client.target_text() + "> ");
  while (!ctx.quit) {
    auto line = editor.read_line();
    if (!line) {
      std::cout << "\n";
      break;
    }
    run_line(ctx, *line);
  }
  return 0;
}

}  // namespace imgsh::shell
