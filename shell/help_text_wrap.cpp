#include "shell/help_text_wrap.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace imgsh::shell {
namespace {

constexpr std::size_t kMinWidth = 20;

// Columns of UTF-8 text: one per character (help text has no wide characters).
std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Where a line's continuations start: after its first gap of two or more
// spaces that follows some text (the description column), else its indent.
std::size_t hanging_indent(std::string_view line) {
  std::size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos) return 0;
  std::size_t gap = line.find("  ", indent);
  if (gap != std::string_view::npos) {
    std::size_t text = line.find_first_not_of(' ', gap);
    if (text != std::string_view::npos) return columns(line.substr(0, text));
  }
  return columns(line.substr(0, indent));
}

void wrap_line(std::string_view line, std::size_t width, std::string& out) {
  if (columns(line) <= width) {
    out.append(line).append("\n");
    return;
  }
  std::size_t hang = hanging_indent(line);
  if (hang + kMinWidth / 2 > width) hang = std::min<std::size_t>(4, line.find_first_not_of(' '));
  // The line's own leading spaces (and the gap before its description) stay as
  // they are; only the spaces between words are break points.
  std::size_t start = line.find_first_not_of(' ');
  std::string current(line.substr(0, start));
  std::size_t used = columns(current);
  bool first_word_on_line = true;
  std::size_t pos = start;
  while (pos < line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view word = line.substr(pos, end - pos);
    std::size_t next = line.find_first_not_of(' ', end);
    std::string_view spaces = line.substr(end, (next == std::string_view::npos ? line.size() : next) - end);
    std::size_t word_columns = columns(word);
    if (!first_word_on_line && used + word_columns > width) {
      while (!current.empty() && current.back() == ' ') current.pop_back();
      out.append(current).append("\n");
      // A word too long for the description column moves left until it fits:
      // a terminal would split it otherwise. Only a word wider than the screen is split.
      std::size_t indent = hang + word_columns <= width ? hang : width > word_columns ? width - word_columns : 0;
      current.assign(indent, ' ');
      used = indent;
    }
    current.append(word);
    used += word_columns;
    first_word_on_line = false;
    if (next == std::string_view::npos) break;
    current.append(spaces);
    used += spaces.size();
    pos = next;
  }
  while (!current.empty() && current.back() == ' ') current.pop_back();
  out.append(current).append("\n");
}

}  // namespace

std::size_t help_width(int fd) {
  std::size_t width = 0;
  struct winsize ws {};
  if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    width = ws.ws_col;
  } else if (const char* env = std::getenv("COLUMNS")) {
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(env, env + std::strlen(env), value);
    if (ec == std::errc() && *ptr == '\0') width = value;
  }
  if (width == 0) return 0;  // no terminal, no COLUMNS: one line per row, for scripts that read it
  return std::max(width, kMinWidth);
}

std::string wrap_help_text(std::string_view text, std::size_t width) {
  if (width == 0) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    wrap_line(text.substr(0, nl), width, out);
    if (nl == std::string_view::npos) {
      out.pop_back();  // the text had no final newline: neither has the result
      break;
    }
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace imgsh::shell
