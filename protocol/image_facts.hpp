#pragma once
// What a validated image is: the facts stat and list replies will carry (issue 13).
// Filled by check_image_file (image_check.hpp); travels as a JSON object.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/names.hpp"

namespace imgsh::proto {

// How the samples are stored. PNG: gray, gray_alpha, rgb, rgba, palette.
// JPEG: gray, ycbcr, rgb, cmyk, ycck (the colour space of the coded data).
enum class ColorModel { gray, gray_alpha, rgb, rgba, palette, ycbcr, cmyk, ycck };

struct ImageFacts {
  ImageKind format = ImageKind::unknown;  // png or jpeg
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint8_t bit_depth = 0;  // bits per sample: PNG 1, 2, 4, 8, 16; JPEG 8
  ColorModel color = ColorModel::rgb;
  // A progressive JPEG or an Adam7-interlaced PNG: the picture sharpens as it arrives.
  bool progressive = false;
  // From a JPEG's EXIF (APP1) segment, when present and well formed.
  std::optional<std::string> capture_time;   // DateTimeOriginal as "YYYY-MM-DDTHH:MM:SS" (camera's local time)
  std::optional<std::uint8_t> orientation;   // EXIF Orientation, 1..8
  std::optional<std::string> camera_model;   // EXIF Model, printable UTF-8

  bool operator==(const ImageFacts&) const = default;
};

std::string_view to_string(ColorModel color);
std::optional<ColorModel> color_model_from_string(std::string_view text);

// {"format", "width", "height", "bit_depth", "color", "progressive"} and, when known,
// "capture_time", "orientation", "camera_model".
nlohmann::json to_json(const ImageFacts& facts);
ImageFacts image_facts_from_json(const nlohmann::json& j);  // throws ProtocolError(bad_request)

}  // namespace imgsh::proto
