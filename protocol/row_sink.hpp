#pragma once
// Where a decoder hands the pixels it decodes, row by row, when someone wants them
// (thumbnails: area_downscale.hpp). Validation passes no sink and drops the rows.
// Called from inside libjpeg's and libspng's decode loops: every member is noexcept
// (libjpeg's error path is a longjmp, nothing may unwind through it).
#include <cstdint>

namespace imgsh::proto {

// The layout of one decoded pixel.
enum class RowFormat {
  gray,           // 1 byte
  rgb,            // 3 bytes
  cmyk,           // 4 bytes, 0 = no ink
  inverted_cmyk,  // 4 bytes, 255 = no ink (Adobe's JPEGs)
  rgba,           // 4 bytes, straight alpha (every PNG is decoded to this)
};

class RowSink {
 public:
  // JPEG only: decode at 1/denominator (1, 2, 4 or 8) of the stored size, given it.
  virtual unsigned jpeg_scale_denominator(std::uint32_t width, std::uint32_t height) noexcept = 0;
  // The decoded size and layout, once, before the first row. false: the sink cannot
  // take it (out of memory): the decode stops with internal.
  virtual bool begin(std::uint32_t width, std::uint32_t height, RowFormat format) noexcept = 0;
  // Row `y` (any order: an interlaced PNG comes in seven passes). Only the pixels at
  // x = first, first + step, ... are new in this call (an Adam7 pass); the others
  // are left over from earlier rows and must be ignored.
  virtual void row(std::uint32_t y, const std::uint8_t* pixels, std::uint32_t first, std::uint32_t step) noexcept = 0;

 protected:
  ~RowSink() = default;
};

}  // namespace imgsh::proto
