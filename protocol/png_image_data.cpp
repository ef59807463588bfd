#include "protocol/png_image_data.hpp"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/exif_facts.hpp"

namespace imgsh::proto {
namespace {

using Type = std::array<std::uint8_t, 4>;
constexpr Type kIdat = {'I', 'D', 'A', 'T'};
constexpr Type kIend = {'I', 'E', 'N', 'D'};
constexpr Type kExif = {'e', 'X', 'I', 'f'};
constexpr std::uint32_t kMaxChunkLength = 0x7fffffff;  // PNG: lengths are 31-bit
constexpr std::size_t kReadPiece = 256 * 1024;
constexpr std::size_t kInflatedPiece = 64 * 1024;

std::uint32_t big_endian(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

bool is_critical(const Type& type) { return type[0] >= 'A' && type[0] <= 'Z'; }

// The scanlines of an image, pass by pass (one pass unless Adam7), as the inflated data
// must hold them: a filter-type byte (0-4), then the row's bytes. Fed the inflated bytes
// in order; says when they are all there and whether a filter byte was wrong.
class ScanlineWalk {
 public:
  explicit ScanlineWalk(const PngScanlines& s) {
    static constexpr std::uint32_t x0[7] = {0, 4, 0, 2, 0, 1, 0}, dx[7] = {8, 8, 4, 4, 2, 2, 1};
    static constexpr std::uint32_t y0[7] = {0, 0, 4, 0, 2, 0, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    auto add = [&](std::uint64_t width, std::uint64_t rows) {
      if (width == 0 || rows == 0) return;
      std::uint64_t line = 1 + (width * s.bits_per_pixel + 7) / 8;
      passes_.push_back({line, rows});
      total_ += line * rows;
    };
    if (!s.interlaced) {
      add(s.width, s.height);
    } else {
      for (int p = 0; p < 7; ++p) {
        add(s.width > x0[p] ? (s.width - x0[p] + dx[p] - 1) / dx[p] : 0,
            s.height > y0[p] ? (s.height - y0[p] + dy[p] - 1) / dy[p] : 0);
      }
    }
    if (!passes_.empty()) rows_left_ = passes_[0].rows;
  }

  std::uint64_t bytes_left() const { return total_ - seen_; }

  // False at a filter type over 4; `bad_row` is then its scanline's number (from 0).
  bool feed(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      if (line_left_ == 0) {  // the next byte starts a scanline: its filter type
        if (bytes[0] > 4) {
          bad_filter_ = bytes[0];
          return false;
        }
        line_left_ = passes_[pass_].line;
      }
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(line_left_, bytes.size()));
      line_left_ -= take;
      seen_ += take;
      bytes = bytes.subspan(take);
      if (line_left_ == 0) {
        ++scanline_;
        if (--rows_left_ == 0 && pass_ + 1 < passes_.size()) rows_left_ = passes_[++pass_].rows;
      }
    }
    return true;
  }
  std::uint64_t scanline() const { return scanline_; }  // the one being read, from 0
  std::uint8_t bad_filter() const { return bad_filter_; }

 private:
  struct Pass {
    std::uint64_t line;  // bytes per scanline, filter byte included
    std::uint64_t rows;
  };
  std::vector<Pass> passes_;
  std::size_t pass_ = 0;
  std::uint64_t rows_left_ = 0;
  std::uint64_t line_left_ = 0;  // bytes of the current scanline still to come
  std::uint64_t total_ = 0;
  std::uint64_t seen_ = 0;
  std::uint64_t scanline_ = 0;
  std::uint8_t bad_filter_ = 0;
};

// The zlib stream spread over the IDAT chunks: its 2-byte header checked here, the deflate
// data inflated by ISA-L into one small buffer and handed to the scanline walk. Like
// libspng (and as imgsh did with it), it stops once every scanline is there: the Adler-32
// and anything after it are covered by the chunks' CRCs, not inflated.
class ImageDataStream {
 public:
  explicit ImageDataStream(const PngScanlines& s)
      : walk_(s), state_(std::make_unique<inflate_state>()), out_(kInflatedPiece) {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_DEFLATE;
  }

  bool complete() const { return walk_.bytes_left() == 0; }

  // Empty when the bytes were taken (or are past the image's end), else what is wrong.
  std::string feed(std::span<const std::uint8_t> in) {
    while (!in.empty() && header_got_ < 2) {
      header_[header_got_++] = in[0];
      in = in.subspan(1);
      if (header_got_ == 2) {
        if (std::string bad = header_problem(); !bad.empty()) return bad;
      }
    }
    if (in.empty() || complete()) return {};
    state_->next_in = const_cast<std::uint8_t*>(in.data());  // ISA-L does not write its input
    state_->avail_in = static_cast<std::uint32_t>(in.size());
    for (;;) {
      std::size_t room = static_cast<std::size_t>(std::min<std::uint64_t>(out_.size(), walk_.bytes_left()));
      state_->next_out = out_.data();
      state_->avail_out = static_cast<std::uint32_t>(room);
      int rc = isal_inflate(state_.get());
      if (rc < 0 || rc == ISAL_NEED_DICT) return inflate_problem(rc);
      std::size_t made = room - state_->avail_out;
      if (!walk_.feed({out_.data(), made})) {
        return "filter type " + std::to_string(walk_.bad_filter()) + " is not one of 0-4 (scanline " +
               std::to_string(walk_.scanline() + 1) + ")";
      }
      if (state_->block_state == ISAL_BLOCK_FINISH) finished_ = true;
      if (complete()) return {};
      if (finished_) return "the deflate stream ends before the last scanline";
      if (state_->avail_in == 0 && made < room) return {};  // wants the next IDAT's bytes
    }
  }

 private:
  std::string header_problem() const {
    unsigned cmf = header_[0], flg = header_[1];
    if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (cmf * 256 + flg) % 31 != 0) return "bad zlib header";
    if (flg & 0x20) return "the zlib stream asks for a preset dictionary";
    return {};
  }

  static std::string inflate_problem(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK: return "invalid deflate block";
      case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
      default: return "inflate failed (ISA-L code " + std::to_string(rc) + ")";
    }
  }

  ScanlineWalk walk_;
  std::unique_ptr<inflate_state> state_;  // ~50 KB: the history window and Huffman tables
  std::vector<std::uint8_t> out_;
  std::array<std::uint8_t, 2> header_{};
  int header_got_ = 0;
  bool finished_ = false;
};

class ChunkReader {
 public:
  ChunkReader(FdReader& reader, PngChunkTracker& tracker) : reader_(reader), tracker_(tracker) {}

  // The data of the chunk the tracker is inside (its type `type`), piece by piece to
  // `each` (which may stop it with a problem), then its CRC checked.
  template <class Each>
  std::optional<PngDataProblem> read_rest(const Type& type, Each&& each) {
    std::uint32_t crc = crc32_gzip_refl(0, type.data(), type.size());
    for (std::uint64_t left = tracker_.data_left(); left > 0;) {
      std::span<const std::uint8_t> piece = reader_.next(static_cast<std::size_t>(std::min<std::uint64_t>(left, kReadPiece)));
      if (piece.empty()) return cut_short();
      tracker_.feed(piece);
      crc = crc32_gzip_refl(crc, piece.data(), piece.size());
      left -= piece.size();
      if (auto p = each(piece)) return p;
    }
    std::array<std::uint8_t, 4> stored{};
    if (!reader_.read_exact(stored.data(), stored.size())) return cut_short();
    tracker_.feed(stored);
    if (big_endian(stored.data()) != crc) {
      return PngDataProblem{Errc::not_an_image, "CRC mismatch in " + tracker_.last_complete()};
    }
    return std::nullopt;
  }

  // The next chunk's length and type, or a problem (the file ends, a length over 2^31-1).
  std::optional<PngDataProblem> next_header(Type& type) {
    std::array<std::uint8_t, 8> header{};
    if (!reader_.read_exact(header.data(), header.size())) return cut_short();
    tracker_.feed(header);
    std::copy_n(header.begin() + 4, 4, type.begin());
    if (big_endian(header.data()) > kMaxChunkLength) {
      return PngDataProblem{Errc::not_an_image, "chunk length over 2^31-1 (in the " + tracker_.current() + " chunk)"};
    }
    return std::nullopt;
  }

  std::uint64_t data_left() const { return tracker_.data_left(); }

 private:
  PngDataProblem cut_short() const {
    if (int e = reader_.error(); e != 0) return {Errc::internal, std::string("cannot read the file: ") + std::strerror(e)};
    return {Errc::not_an_image, tracker_.truncation()};
  }

  FdReader& reader_;
  PngChunkTracker& tracker_;
};

}  // namespace

std::optional<PngDataProblem> check_png_image_data(FdReader& reader, PngChunkTracker& tracker,
                                                   const PngScanlines& scanlines, std::uint64_t max_metadata_bytes,
                                                   ImageFacts& facts) {
  if (!tracker.inside_chunk() || tracker.current() != "IDAT") {
    return PngDataProblem{Errc::internal, "the PNG reader stopped outside the first IDAT chunk"};
  }
  ChunkReader chunks(reader, tracker);
  ImageDataStream image(scanlines);
  auto inflate = [&](std::span<const std::uint8_t> piece) -> std::optional<PngDataProblem> {
    if (std::string bad = image.feed(piece); !bad.empty()) {
      return PngDataProblem{Errc::not_an_image, "image data does not decode: " + bad + " (in IDAT)"};
    }
    return std::nullopt;
  };
  auto ignore = [](std::span<const std::uint8_t>) -> std::optional<PngDataProblem> { return std::nullopt; };

  Type type = kIdat;
  for (;;) {  // the IDAT run
    if (auto p = chunks.read_rest(type, inflate)) return p;
    if (auto p = chunks.next_header(type)) return p;
    if (type != kIdat) break;
  }
  if (!image.complete()) {
    return PngDataProblem{Errc::not_an_image,
                          "image data does not decode: the image data ends before the last scanline (in IDAT)"};
  }

  bool exif_seen = facts.capture_time || facts.orientation || facts.camera_model;
  for (;;) {  // the chunks after it
    if (type == kIend) {
      if (chunks.data_left() != 0) return PngDataProblem{Errc::not_an_image, "an IEND chunk that is not empty"};
      return chunks.read_rest(type, ignore);
    }
    if (type == kIdat) return PngDataProblem{Errc::not_an_image, "an IDAT chunk after other chunks followed the image data"};
    if (is_critical(type)) {
      return PngDataProblem{Errc::not_an_image, "a " + tracker.current() + " chunk after the image data"};
    }
    if (type == kExif && !exif_seen && chunks.data_left() <= max_metadata_bytes) {
      std::vector<std::uint8_t> exif;
      exif.reserve(static_cast<std::size_t>(chunks.data_left()));
      auto keep = [&](std::span<const std::uint8_t> piece) -> std::optional<PngDataProblem> {
        exif.insert(exif.end(), piece.begin(), piece.end());
        return std::nullopt;
      };
      if (auto p = chunks.read_rest(type, keep)) return p;
      read_exif_facts(exif, facts);
      exif_seen = true;
    } else if (auto p = chunks.read_rest(type, ignore)) {
      return p;
    }
    if (auto p = chunks.next_header(type)) return p;
  }
}

}  // namespace imgsh::proto
