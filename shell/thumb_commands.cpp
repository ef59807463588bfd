#include "shell/thumb_commands.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "protocol/display_text.hpp"
#include "protocol/fd_io.hpp"
#include "protocol/image_thumbnail.hpp"
#include "protocol/unique_fd.hpp"
#include "shell/client_errors.hpp"
#include "shell/local_files.hpp"
#include "shell/local_paths.hpp"
#include "shell/remote_op.hpp"
#include "shell/remote_patterns.hpp"
#include "shell/terminal_image.hpp"

namespace imgsh::shell {
namespace {

using proto::Errc;

constexpr std::size_t kMaxSheet = 60;   // thumbnails on one contact sheet
constexpr int kTileColumns = 22;        // a contact sheet tile's width in cells
constexpr std::uint32_t kTileEdge = 128;

std::span<const std::uint8_t> as_bytes(const std::string& bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

// The server's thumbnail decoded by the protocol library, as if it were any image: a
// body that does not decode, or is larger than the reply says, is the server's fault.
proto::RgbaImage decode_thumbnail(const Client::ThumbBytes& thumb) {
  UniqueFd fd(::memfd_create("imgsh-thumbnail", MFD_CLOEXEC));
  if (!fd) throw LocalIoError("cannot make a memory file for the thumbnail");
  proto::write_all(fd.get(), as_bytes(thumb.bytes));
  proto::ImageLimits limits;
  limits.max_pixels = std::uint64_t{proto::kThumbEdgeMax} * proto::kThumbEdgeMax;
  limits.max_decoder_memory = 64ull << 20;
  const char* as = thumb.header.format == "png" ? "thumbnail.png" : "thumbnail.jpg";
  proto::ShrunkImage decoded = proto::shrink_image_file(fd.get(), as, proto::kThumbEdgeMax, limits);
  if (decoded.problem) throw RemoteError(Errc::bad_frame, "the server's thumbnail does not decode: " + decoded.problem->message);
  if (decoded.image.width != thumb.header.width || decoded.image.height != thumb.header.height) {
    throw RemoteError(Errc::bad_frame, "the server's thumbnail is not the size its reply says");
  }
  return decoded.image;
}

std::string size_text(std::uint32_t w, std::uint32_t h) { return std::to_string(w) + "x" + std::to_string(h); }

// A name under a tile: escaped, cut to the tile's width (code points), padded.
std::string tile_caption(const std::string& name) {
  std::string shown = proto::escape_for_display(name);
  std::string out;
  int cells = 0;
  for (std::size_t i = 0; i < shown.size() && cells < kTileColumns;) {
    std::size_t len = 1;
    auto c = static_cast<unsigned char>(shown[i]);
    if (c >= 0xF0) len = 4; else if (c >= 0xE0) len = 3; else if (c >= 0xC0) len = 2;
    out.append(shown, i, len);
    i += len;
    ++cells;
  }
  return out + std::string(static_cast<std::size_t>(kTileColumns - cells), ' ');
}

// A drawing split in its rows, each padded to `columns` cells.
std::vector<std::string> tile_rows(const std::string& drawing, int columns, int rows, int drawn_columns) {
  std::vector<std::string> out;
  std::istringstream in(drawing);
  std::string line;
  while (std::getline(in, line) && static_cast<int>(out.size()) < rows) {
    out.push_back(line + "\x1b[0m" + std::string(static_cast<std::size_t>(std::max(0, columns - drawn_columns)), ' '));
  }
  while (static_cast<int>(out.size()) < rows) out.push_back(std::string(static_cast<std::size_t>(columns), ' '));
  return out;
}

bool view_one(ShellContext& ctx, const std::string& name, const TerminalSize& term) {
  int columns = term.columns;
  int rows = std::max(1, term.rows - 3);  // room for the command line, the report and the prompt
  std::uint32_t edge = static_cast<std::uint32_t>(
      std::clamp(std::max(columns * term.cell_width, rows * term.cell_height), static_cast<int>(proto::kThumbEdgeMin),
                 static_cast<int>(proto::kThumbEdgeMax)));
  PixelMode mode = detect_pixel_mode();
  return remote_op(ctx, "view", name, [&] {
    check_remote_name(name);
    Client::ThumbBytes thumb = ctx.client.thumb(name, edge);
    proto::RgbaImage image = decode_thumbnail(thumb);
    CellArea area = drawn_area(static_cast<int>(image.width), static_cast<int>(image.height), columns, rows, term);
    std::cout << draw_image(image, columns, rows, term, mode) << std::flush;
    return size_text(image.width, image.height) + " thumbnail in " + size_text(area.columns, area.rows) + " cells (" +
           to_string(mode) + ")";
  });
}

// A contact sheet: tiles of block symbols side by side, each name under its tile.
bool view_sheet(ShellContext& ctx, const std::string& pattern, const TerminalSize& term) {
  int per_row = std::max(1, term.columns / (kTileColumns + 2));
  TerminalSize cell = term;
  int tile_rows_count = std::max(1, kTileColumns * cell.cell_width / cell.cell_height);
  return remote_op(ctx, "view", pattern, [&] {
    std::vector<proto::FileInfo> files = list_matching(ctx.client, pattern);
    std::size_t shown = std::min(files.size(), kMaxSheet);
    std::size_t failed = 0;
    for (std::size_t first = 0; first < shown; first += static_cast<std::size_t>(per_row)) {
      std::size_t last = std::min(shown, first + static_cast<std::size_t>(per_row));
      std::vector<std::vector<std::string>> tiles;
      std::string captions;
      int height = 1;  // of the tallest drawing in this row of tiles
      for (std::size_t i = first; i < last; ++i) {
        const std::string& name = files[i].name;
        std::string drawing;
        int drawn_columns = 0;
        try {
          check_remote_name(name);
          proto::RgbaImage image = decode_thumbnail(ctx.client.thumb(name, kTileEdge));
          CellArea area = drawn_area(static_cast<int>(image.width), static_cast<int>(image.height), kTileColumns,
                                     tile_rows_count, cell);
          drawn_columns = area.columns;
          height = std::max(height, area.rows);
          drawing = draw_image(image, kTileColumns, tile_rows_count, cell, PixelMode::symbols);
        } catch (const ConnectionError&) {
          throw;
        } catch (const std::exception& e) {
          ++failed;
          std::cerr << "imgsh: view " << proto::escape_for_display(name) << ": " << proto::escape_for_display(e.what())
                    << "\n";
        }
        tiles.push_back(tile_rows(drawing, kTileColumns, tile_rows_count, drawn_columns));
        captions += tile_caption(name) + "  ";
      }
      for (int r = 0; r < height; ++r) {
        std::string line;
        for (auto& tile : tiles) line += tile[static_cast<std::size_t>(r)] + "  ";
        std::cout << line << "\n";
      }
      std::cout << captions << "\n" << std::flush;
    }
    std::string text = std::to_string(shown - failed) + " of " + std::to_string(files.size()) + " images drawn";
    if (files.size() > shown) text += " (a sheet shows at most " + std::to_string(kMaxSheet) + ")";
    if (failed > 0) throw RemoteError(Errc::not_an_image, text + "; " + std::to_string(failed) + " could not be drawn");
    return text;
  });
}

}  // namespace

bool cmd_view(ShellContext& ctx, const std::vector<std::string>& args) {
  if (!::isatty(STDOUT_FILENO)) {
    std::cerr << "imgsh: view draws in a terminal and stdout is not one; get --thumb EDGE NAME saves a thumbnail\n";
    return false;
  }
  TerminalSize term = terminal_size(STDOUT_FILENO);
  return has_glob_chars(args[0]) ? view_sheet(ctx, args[0], term) : view_one(ctx, args[0], term);
}

bool get_thumbnail(ShellContext& ctx, const std::vector<std::string>& args) {
  std::uint32_t edge = 0;
  const std::string& edge_text = args.size() > 1 ? args[1] : "";
  auto parsed = std::from_chars(edge_text.data(), edge_text.data() + edge_text.size(), edge);
  bool number = !edge_text.empty() && parsed.ec == std::errc() && parsed.ptr == edge_text.data() + edge_text.size();
  if (args.size() < 3 || args.size() > 4 || !number || !proto::thumb_edge_problem(edge).empty()) {
    std::cerr << "imgsh: usage: get --thumb EDGE REMOTE [LOCAL] (EDGE: " << proto::kThumbEdgeMin << ".."
              << proto::kThumbEdgeMax << " pixels)\n";
    return false;
  }
  const std::string& name = args[2];
  std::string local_arg = args.size() > 3 ? expand_tilde(args[3]) : "";
  return remote_op(ctx, "get", name, [&] {
    check_remote_name(name);
    Client::ThumbBytes thumb = ctx.client.thumb(name, edge);
    decode_thumbnail(thumb);  // a real image, or the server is broken: nothing saved
    // By default NAME's stem, the edge and the thumbnail's own extension: cat_256.jpg.
    std::string own = std::filesystem::path(name).stem().string() + "_" + std::to_string(edge) +
                      (thumb.header.format == "png" ? ".png" : ".jpg");
    std::error_code ec;
    bool into_dir = !local_arg.empty() && (local_arg.back() == '/' || std::filesystem::is_directory(local_arg, ec));
    std::string path = local_arg.empty() ? own : into_dir ? (std::filesystem::path(local_arg) / own).string() : local_arg;
    Download download(path);
    proto::write_all(download.fd(), as_bytes(thumb.bytes));
    download.commit();
    return "saved a " + size_text(thumb.header.width, thumb.header.height) + " " + thumb.header.format + " thumbnail (" +
           std::to_string(thumb.bytes.size()) + " bytes) to " + path;
  });
}

}  // namespace imgsh::shell
