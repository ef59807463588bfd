#pragma once
// Pictures drawn in the terminal with libchafa: kitty graphics, iTerm2 inline images
// or sixels where chafa's terminal database says the terminal has them, Unicode block
// symbols elsewhere (inside tmux, over ssh, unknown terminals). The pixels are ours
// (decoded by protocol/ from a thumbnail), never bytes from the server passed through.
#include <string>

#include "protocol/area_downscale.hpp"

namespace imgsh::shell {

// The terminal's size in cells and, when it says (TIOCGWINSZ's pixel fields), the
// pixel size of one cell; otherwise 10 x 20, the common ratio.
struct TerminalSize {
  int columns = 80;
  int rows = 24;
  int cell_width = 10;
  int cell_height = 20;
};
TerminalSize terminal_size(int fd);

enum class PixelMode { symbols, sixels, kitty, iterm2 };
// From the environment (TERM, TERM_PROGRAM, TMUX, ...) through chafa_term_db_detect.
PixelMode detect_pixel_mode();
const char* to_string(PixelMode mode);

// The escape sequences and text that draw `image` within `columns` x `rows` cells,
// keeping its aspect ratio; each row ends with a newline. `mode` symbols draws with
// block characters (always possible).
std::string draw_image(const proto::RgbaImage& image, int columns, int rows, const TerminalSize& cell, PixelMode mode);

// How many cells wide and tall the drawing of a width x height image is.
struct CellArea {
  int columns = 0;
  int rows = 0;
};
CellArea drawn_area(int width, int height, int columns, int rows, const TerminalSize& cell);

}  // namespace imgsh::shell
