#include "shell/line_editor.hpp"

#include <cstdio>
#include <cstdlib>

#include <editline/readline.h>

namespace imgsh::shell {

LineEditor::LineEditor(std::string prompt) : prompt_(std::move(prompt)) {
  rl_readline_name = "imgsh";
  using_history();
  stifle_history(1000);
}

LineEditor::~LineEditor() { clear_history(); }

std::optional<std::string> LineEditor::read_line() {
  char* raw = readline(prompt_.c_str());
  if (!raw) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
  return line;
}

}  // namespace imgsh::shell
