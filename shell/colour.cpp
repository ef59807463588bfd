#include "shell/colour.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/color.h>

namespace imgsh::shell {

bool colour_wanted(int fd, bool disabled_by_option) {
  if (disabled_by_option || std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(fd) == 1;
}

std::string coloured(std::string_view line, ReportTone tone) {
  auto style = tone == ReportTone::fail ? fmt::fg(fmt::terminal_color::red) : fmt::text_style(fmt::emphasis::faint);
  return fmt::format(style, "{}", line);
}

}  // namespace imgsh::shell
