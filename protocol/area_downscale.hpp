#pragma once
// A RowSink (row_sink.hpp) that shrinks an image as its rows arrive: every decoded
// pixel is added to the box of the output pixel it falls in (an area average), so
// memory is the output image's sums, never the decoded image. With JPEG it first asks
// libjpeg for the largest DCT scaling (1/2..1/8) that still leaves at least the output
// size, which skips most of the decoding work of a large photograph.
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/row_sink.hpp"

namespace imgsh::proto {

// 8-bit RGBA pixels, row by row, top to bottom.
struct RgbaImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool has_alpha = false;  // some pixel is not opaque
  std::vector<std::uint8_t> pixels;
};

// The size an image of width x height shrinks to so that its longer side is at most
// `edge` (never enlarged; each side at least 1).
struct Size {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};
Size fit_within(std::uint32_t width, std::uint32_t height, std::uint32_t edge);

class AreaDownscale final : public RowSink {
 public:
  explicit AreaDownscale(std::uint32_t edge) : edge_(edge) {}

  unsigned jpeg_scale_denominator(std::uint32_t width, std::uint32_t height) noexcept override;
  bool begin(std::uint32_t width, std::uint32_t height, RowFormat format) noexcept override;
  void row(std::uint32_t y, const std::uint8_t* pixels, std::uint32_t first, std::uint32_t step) noexcept override;

  // The averaged image turned upright by EXIF `orientation` (1..8; anything else: as
  // stored). Empty (width 0) when no rows came. Throws std::bad_alloc.
  RgbaImage finish(std::optional<std::uint8_t> orientation) const;

 private:
  std::uint32_t edge_;
  std::uint32_t in_width_ = 0, in_height_ = 0;
  Size out_{};
  RowFormat format_ = RowFormat::rgb;
  std::vector<std::uint32_t> column_box_;  // input x -> output x
  std::vector<std::uint32_t> sums_;        // 4 per output pixel: R, G, B, A
  std::vector<std::uint32_t> counts_;      // input pixels added per output pixel
};

}  // namespace imgsh::proto
