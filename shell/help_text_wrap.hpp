#pragma once
// Help text fitted to the terminal: lines wrapped at word boundaries (a word
// such as LOCAL is never split, as a terminal's own wrapping would), each
// continuation indented under the text it continues (the column after a gap of
// two or more spaces: the description column of "  usage    description").
#include <cstddef>
#include <string>
#include <string_view>

namespace imgsh::shell {

// The width to wrap help at: the terminal's columns when `fd` is one, else
// $COLUMNS when it is a number (never under 20), else 0: no wrapping, one line
// per row, as `ls` prints columns only on a terminal.
std::size_t help_width(int fd);

// Every line of `text` longer than `width` columns (0: none) (UTF-8 characters) broken
// at spaces; a word too long for the room left moves left on its own line
// (only one wider than `width` is split, by the terminal).
std::string wrap_help_text(std::string_view text, std::size_t width);

}  // namespace imgsh::shell
