#pragma once
// Thumbnails: a stored or local image shrunk in one decoding pass, in bounded memory,
// turned upright by its EXIF orientation. The server makes them for the thumb op; the
// shell uses shrink_image_file to decode a received thumbnail for the terminal.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/area_downscale.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {

struct ShrunkImage {
  RgbaImage image;                      // upright, longer side at most the edge asked
  ImageFacts facts;                     // of the file, as check_image_file finds them
  std::optional<ImageProblem> problem;  // why not (the message starts with the name)
};

// Decodes the image behind `fd` (as check_image_file: the whole file is validated on
// the way) and shrinks it by area averaging so its longer side is at most `edge`.
// Memory: the decoder's (bounded by `limits`) plus 20 bytes per output pixel.
ShrunkImage shrink_image_file(int fd, std::string_view name, std::uint32_t edge, const ImageLimits& limits = {});

struct Thumbnail {
  ImageKind format = ImageKind::jpeg;  // JPEG; PNG when some pixel is not opaque
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string bytes;
};

// JPEG (quality 85) for an opaque image, PNG (8-bit RGBA) when it has transparency.
Thumbnail encode_thumbnail(const RgbaImage& image);

}  // namespace imgsh::proto
