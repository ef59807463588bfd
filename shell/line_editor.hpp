#pragma once
// The interactive prompt on libedit: line editing, Tab completion
// (shell/completion.hpp), history kept in a file across sessions (Up/Down,
// Ctrl-R), Ctrl-C clears the line, Ctrl-D on an empty line ends input.
#include <optional>
#include <string>

#include <histedit.h>

#include "shell/completion.hpp"

namespace imgsh::shell {

class LineEditor {
 public:
  // `history_path` empty: history for this session only.
  LineEditor(std::string prompt, std::string history_path, RemoteNames remote_names);
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;
  ~LineEditor();

  // The next line, or nullopt at end of input (Ctrl-D).
  std::optional<std::string> read_line();

 private:
  static const char* prompt_of(EditLine* el);
  static unsigned char on_tab(EditLine* el, int key);
  static unsigned char on_ctrl_c(EditLine* el, int key);
  unsigned char complete(EditLine* el);

  std::string prompt_;
  std::string history_path_;
  RemoteNames remote_names_;
  EditLine* el_ = nullptr;
  History* history_ = nullptr;
  std::string last_tab_line_;  // the line after the previous Tab: a second Tab lists
};

}  // namespace imgsh::shell
