#include "shell/terminal_image.hpp"

#include <sys/ioctl.h>

#include <memory>

#include <chafa.h>

namespace imgsh::shell {
namespace {

struct GlibFree {
  void operator()(ChafaTermInfo* p) const { chafa_term_info_unref(p); }
  void operator()(ChafaCanvasConfig* p) const { chafa_canvas_config_unref(p); }
  void operator()(ChafaCanvas* p) const { chafa_canvas_unref(p); }
  void operator()(ChafaSymbolMap* p) const { chafa_symbol_map_unref(p); }
  void operator()(gchar** p) const { g_strfreev(p); }
};
template <class T>
using GlibPtr = std::unique_ptr<T, GlibFree>;

GlibPtr<ChafaTermInfo> detected_terminal() {
  GlibPtr<gchar*> env(g_get_environ());
  return GlibPtr<ChafaTermInfo>(chafa_term_db_detect(chafa_term_db_get_default(), env.get()));
}

// The richest colours the terminal's sequences allow.
ChafaCanvasMode canvas_mode_of(ChafaTermInfo* info) {
  if (chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_SET_COLOR_FGBG_DIRECT)) return CHAFA_CANVAS_MODE_TRUECOLOR;
  if (chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_SET_COLOR_FGBG_256)) return CHAFA_CANVAS_MODE_INDEXED_240;
  return CHAFA_CANVAS_MODE_INDEXED_16;
}

ChafaPixelMode chafa_mode(PixelMode mode) {
  switch (mode) {
    case PixelMode::sixels: return CHAFA_PIXEL_MODE_SIXELS;
    case PixelMode::kitty: return CHAFA_PIXEL_MODE_KITTY;
    case PixelMode::iterm2: return CHAFA_PIXEL_MODE_ITERM2;
    default: return CHAFA_PIXEL_MODE_SYMBOLS;
  }
}

}  // namespace

TerminalSize terminal_size(int fd) {
  TerminalSize size;
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    size.columns = ws.ws_col;
    size.rows = ws.ws_row;
    if (ws.ws_xpixel >= ws.ws_col && ws.ws_ypixel >= ws.ws_row) {
      size.cell_width = ws.ws_xpixel / ws.ws_col;
      size.cell_height = ws.ws_ypixel / ws.ws_row;
    }
  }
  return size;
}

PixelMode detect_pixel_mode() {
  auto info = detected_terminal();
  if (chafa_term_info_have_seq(info.get(), CHAFA_TERM_SEQ_BEGIN_KITTY_IMMEDIATE_IMAGE_V1)) return PixelMode::kitty;
  if (chafa_term_info_have_seq(info.get(), CHAFA_TERM_SEQ_BEGIN_ITERM2_IMAGE)) return PixelMode::iterm2;
  if (chafa_term_info_have_seq(info.get(), CHAFA_TERM_SEQ_BEGIN_SIXELS)) return PixelMode::sixels;
  return PixelMode::symbols;
}

const char* to_string(PixelMode mode) {
  switch (mode) {
    case PixelMode::sixels: return "sixels";
    case PixelMode::kitty: return "kitty graphics";
    case PixelMode::iterm2: return "iTerm2 images";
    default: return "block symbols";
  }
}

CellArea drawn_area(int width, int height, int columns, int rows, const TerminalSize& cell) {
  gint w = columns, h = rows;
  chafa_calc_canvas_geometry(width, height, &w, &h, static_cast<gfloat>(cell.cell_width) / static_cast<gfloat>(cell.cell_height), FALSE, FALSE);
  return {std::max(1, w), std::max(1, h)};
}

std::string draw_image(const proto::RgbaImage& image, int columns, int rows, const TerminalSize& cell, PixelMode mode) {
  if (image.width == 0 || image.height == 0) return {};
  // A thumbnail is a few thousand cells: it is drawn on the shell's own thread.
  // chafa's default is a glib thread pool per draw, whose futex locks TSan cannot see.
  chafa_set_n_threads(1);
  auto info = detected_terminal();
  CellArea area = drawn_area(static_cast<int>(image.width), static_cast<int>(image.height), columns, rows, cell);
  GlibPtr<ChafaSymbolMap> symbols(chafa_symbol_map_new());
  chafa_symbol_map_add_by_tags(symbols.get(), CHAFA_SYMBOL_TAG_BLOCK);
  GlibPtr<ChafaCanvasConfig> config(chafa_canvas_config_new());
  chafa_canvas_config_set_geometry(config.get(), area.columns, area.rows);
  chafa_canvas_config_set_cell_geometry(config.get(), cell.cell_width, cell.cell_height);
  chafa_canvas_config_set_canvas_mode(config.get(), canvas_mode_of(info.get()));
  chafa_canvas_config_set_pixel_mode(config.get(), chafa_mode(mode));
  chafa_canvas_config_set_symbol_map(config.get(), symbols.get());
  GlibPtr<ChafaCanvas> canvas(chafa_canvas_new(config.get()));
  chafa_canvas_draw_all_pixels(canvas.get(), CHAFA_PIXEL_RGBA8_UNASSOCIATED, image.pixels.data(),
                               static_cast<gint>(image.width), static_cast<gint>(image.height),
                               static_cast<gint>(image.width * 4));
  GString* printed = chafa_canvas_print(canvas.get(), info.get());
  std::string text(printed->str, printed->len);
  g_string_free(printed, TRUE);
  // Attributes back to normal, then a newline after the last row.
  text += "\x1b[0m\n";
  return text;
}

}  // namespace imgsh::shell
