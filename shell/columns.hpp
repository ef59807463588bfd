#pragma once
// Names in columns, filled down then across as ls(1) does, for listings on a
// terminal (ls, lls, the candidates of Tab completion).
#include <cstddef>
#include <string>
#include <vector>

namespace imgsh::shell {

// Every line ends in '\n'; one name per line when none fit side by side.
std::string format_columns(const std::vector<std::string>& names, std::size_t width);

// The width of the terminal on fd (default stdout), or 80.
std::size_t terminal_width(int fd = 1);

// Characters a UTF-8 string takes on screen (code points; wide glyphs not counted double).
std::size_t display_width(const std::string& text);

}  // namespace imgsh::shell
