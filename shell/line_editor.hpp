#pragma once
// The interactive prompt: libedit line editing and in-session history.
#include <optional>
#include <string>

namespace imgsh::shell {

class LineEditor {
 public:
  explicit LineEditor(std::string prompt);
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;
  ~LineEditor();

  // The next line, or nullopt at end of input (Ctrl-D).
  std::optional<std::string> read_line();

 private:
  std::string prompt_;
};

}  // namespace imgsh::shell
