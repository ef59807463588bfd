#pragma once
// Small images (thumbnails) encoded in memory: JPEG with the libjpeg API of
// libjpeg-turbo, PNG with libspng's encoder; both libraries already decode for us.
#include <string>

#include "protocol/area_downscale.hpp"

namespace imgsh::proto {

// Baseline JPEG, 4:2:0, of the RGB channels (alpha is dropped). Throws std::runtime_error.
std::string encode_jpeg(const RgbaImage& image, int quality = 85);
// 8-bit RGBA PNG. Throws std::runtime_error.
std::string encode_png(const RgbaImage& image);

}  // namespace imgsh::proto
