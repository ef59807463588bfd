#include "protocol/area_downscale.hpp"

#include <algorithm>
#include <cstdint>
#include <new>

namespace imgsh::proto {
namespace {

// One decoded pixel as RGBA.
void to_rgba(RowFormat format, const std::uint8_t* p, std::uint32_t out[4]) {
  switch (format) {
    case RowFormat::gray: out[0] = out[1] = out[2] = p[0]; out[3] = 255; return;
    case RowFormat::rgb: out[0] = p[0]; out[1] = p[1]; out[2] = p[2]; out[3] = 255; return;
    case RowFormat::rgba: out[0] = p[0]; out[1] = p[1]; out[2] = p[2]; out[3] = p[3]; return;
    case RowFormat::inverted_cmyk:  // 255 = no ink: the naive conversion R = C * K / 255
      for (int i = 0; i < 3; ++i) out[i] = std::uint32_t{p[i]} * p[3] / 255;
      out[3] = 255;
      return;
    case RowFormat::cmyk:
      for (int i = 0; i < 3; ++i) out[i] = (255u - p[i]) * (255u - p[3]) / 255;
      out[3] = 255;
      return;
  }
}

unsigned bytes_per_pixel(RowFormat format) {
  switch (format) {
    case RowFormat::gray: return 1;
    case RowFormat::rgb: return 3;
    default: return 4;
  }
}

// Where output pixel (x, y) of the upright image is in the stored one (w x h).
struct Source {
  std::uint32_t x, y;
};
Source source_of(std::uint8_t orientation, std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h) {
  switch (orientation) {
    case 2: return {w - 1 - x, y};          // mirrored left-right
    case 3: return {w - 1 - x, h - 1 - y};  // turned 180
    case 4: return {x, h - 1 - y};          // mirrored top-bottom
    case 5: return {y, x};                  // transposed
    case 6: return {y, h - 1 - x};          // to be turned 90 clockwise
    case 7: return {w - 1 - y, h - 1 - x};  // transversed
    case 8: return {w - 1 - y, x};          // to be turned 90 counter-clockwise
    default: return {x, y};
  }
}

}  // namespace

Size fit_within(std::uint32_t width, std::uint32_t height, std::uint32_t edge) {
  std::uint32_t longer = std::max(width, height);
  if (longer <= edge || longer == 0) return {width, height};
  auto scaled = [&](std::uint32_t side) {
    return std::max<std::uint32_t>(1, static_cast<std::uint32_t>((std::uint64_t{side} * edge + longer / 2) / longer));
  };
  return {scaled(width), scaled(height)};
}

unsigned AreaDownscale::jpeg_scale_denominator(std::uint32_t width, std::uint32_t height) noexcept {
  Size out = fit_within(width, height, edge_);
  for (unsigned d : {8u, 4u, 2u}) {
    // libjpeg's scaled size is the stored size divided and rounded up.
    if ((width + d - 1) / d >= out.width && (height + d - 1) / d >= out.height) return d;
  }
  return 1;
}

bool AreaDownscale::begin(std::uint32_t width, std::uint32_t height, RowFormat format) noexcept {
  try {
    in_width_ = width;
    in_height_ = height;
    format_ = format;
    out_ = fit_within(width, height, edge_);
    // The 32-bit sums hold up to 16 million pixels per box (255 each): far beyond
    // what the pixel limit admits at the smallest edge, refused rather than wrapped.
    std::uint64_t per_box = (std::uint64_t{width} / out_.width + 1) * (std::uint64_t{height} / out_.height + 1);
    if (per_box * 255 > UINT32_MAX) return false;
    column_box_.resize(width);
    for (std::uint32_t x = 0; x < width; ++x) {
      column_box_[x] = static_cast<std::uint32_t>(std::uint64_t{x} * out_.width / width);
    }
    std::size_t pixels = std::size_t{out_.width} * out_.height;
    sums_.assign(pixels * 4, 0);
    counts_.assign(pixels, 0);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

void AreaDownscale::row(std::uint32_t y, const std::uint8_t* pixels, std::uint32_t first, std::uint32_t step) noexcept {
  if (y >= in_height_ || counts_.empty()) return;
  std::size_t out_row = static_cast<std::size_t>(std::uint64_t{y} * out_.height / in_height_) * out_.width;
  unsigned bpp = bytes_per_pixel(format_);
  std::uint32_t rgba[4] = {};
  for (std::uint32_t x = first; x < in_width_; x += step) {
    to_rgba(format_, pixels + std::size_t{x} * bpp, rgba);
    std::size_t at = out_row + column_box_[x];
    std::uint32_t* sum = &sums_[at * 4];
    // Premultiplied by alpha, so a transparent pixel's colour does not bleed in.
    for (int i = 0; i < 3; ++i) sum[i] += rgba[i] * rgba[3] / 255;
    sum[3] += rgba[3];
    ++counts_[at];
  }
}

RgbaImage AreaDownscale::finish(std::optional<std::uint8_t> orientation) const {
  RgbaImage image;
  if (counts_.empty()) return image;
  std::uint8_t turn = orientation.value_or(1);
  bool swapped = turn >= 5 && turn <= 8;
  image.width = swapped ? out_.height : out_.width;
  image.height = swapped ? out_.width : out_.height;
  image.pixels.resize(std::size_t{image.width} * image.height * 4);
  std::uint8_t* out = image.pixels.data();
  for (std::uint32_t y = 0; y < image.height; ++y) {
    for (std::uint32_t x = 0; x < image.width; ++x, out += 4) {
      Source s = source_of(turn, x, y, out_.width, out_.height);
      std::size_t at = std::size_t{s.y} * out_.width + s.x;
      std::uint32_t n = counts_[at];
      const std::uint32_t* sum = &sums_[at * 4];
      std::uint32_t alpha_sum = sum[3];
      if (n == 0 || alpha_sum == 0) {
        out[0] = out[1] = out[2] = out[3] = 0;
      } else {
        // Un-premultiply: colour = sum(c * a) / sum(a).
        for (int i = 0; i < 3; ++i) out[i] = static_cast<std::uint8_t>(std::min<std::uint64_t>(255, (std::uint64_t{sum[i]} * 255 + alpha_sum / 2) / alpha_sum));
        out[3] = static_cast<std::uint8_t>((alpha_sum + n / 2) / n);
      }
      if (out[3] != 255) image.has_alpha = true;
    }
  }
  return image;
}

}  // namespace imgsh::proto
