#include "shell/columns.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

namespace imgsh::shell {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string format_columns(const std::vector<std::string>& names, std::size_t width) {
  if (names.empty()) return {};
  constexpr std::size_t kGap = 2;
  std::size_t widest = 0;
  for (const auto& n : names) widest = std::max(widest, display_width(n));
  std::size_t columns = std::max<std::size_t>(1, (width + kGap) / (widest + kGap));
  std::size_t rows = (names.size() + columns - 1) / columns;
  columns = (names.size() + rows - 1) / rows;
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      std::size_t i = c * rows + r;
      if (i >= names.size()) break;
      out += names[i];
      bool last = c + 1 == columns || (c + 1) * rows + r >= names.size();
      if (!last) out.append(widest + kGap - display_width(names[i]), ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace imgsh::shell
