#include "protocol/image_facts.hpp"

#include <array>
#include <limits>
#include <utility>

#include "protocol/error_code.hpp"

namespace imgsh::proto {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<ColorModel, std::string_view>, 8> kColorNames{{
    {ColorModel::gray, "gray"},
    {ColorModel::gray_alpha, "gray_alpha"},
    {ColorModel::rgb, "rgb"},
    {ColorModel::rgba, "rgba"},
    {ColorModel::palette, "palette"},
    {ColorModel::ycbcr, "ycbcr"},
    {ColorModel::cmyk, "cmyk"},
    {ColorModel::ycck, "ycck"},
}};

[[noreturn]] void bad(const std::string& why) { throw ProtocolError(Errc::bad_request, "image facts: " + why); }

const json& need(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) bad(std::string("field '") + key + "' is missing");
  return *it;
}

std::string need_string(const json& j, const char* key) {
  const json& v = need(j, key);
  if (!v.is_string()) bad(std::string("field '") + key + "' must be a string");
  return v.get<std::string>();
}

// An unsigned integer no larger than `max`.
std::uint64_t need_uint(const json& j, const char* key, std::uint64_t max) {
  const json& v = need(j, key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
    bad(std::string("field '") + key + "' must be an unsigned integer up to " + std::to_string(max));
  }
  return v.get<std::uint64_t>();
}

}  // namespace

std::string_view to_string(ColorModel color) {
  for (const auto& [c, name] : kColorNames) {
    if (c == color) return name;
  }
  return "unknown";
}

std::optional<ColorModel> color_model_from_string(std::string_view text) {
  for (const auto& [c, name] : kColorNames) {
    if (name == text) return c;
  }
  return std::nullopt;
}

nlohmann::json to_json(const ImageFacts& facts) {
  json j = {{"format", facts.format == ImageKind::png ? "png" : "jpeg"},
            {"width", facts.width},
            {"height", facts.height},
            {"bit_depth", facts.bit_depth},
            {"color", to_string(facts.color)},
            {"progressive", facts.progressive}};
  if (facts.capture_time) j["capture_time"] = *facts.capture_time;
  if (facts.orientation) j["orientation"] = *facts.orientation;
  if (facts.camera_model) j["camera_model"] = *facts.camera_model;
  return j;
}

ImageFacts image_facts_from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad("not an object");
  ImageFacts f;
  std::string format = need_string(j, "format");
  if (format == "png") {
    f.format = ImageKind::png;
  } else if (format == "jpeg") {
    f.format = ImageKind::jpeg;
  } else {
    bad("unknown format '" + format.substr(0, 16) + "'");
  }
  constexpr auto kU32 = std::numeric_limits<std::uint32_t>::max();
  f.width = static_cast<std::uint32_t>(need_uint(j, "width", kU32));
  f.height = static_cast<std::uint32_t>(need_uint(j, "height", kU32));
  f.bit_depth = static_cast<std::uint8_t>(need_uint(j, "bit_depth", 16));
  std::string color = need_string(j, "color");
  auto model = color_model_from_string(color);
  if (!model) bad("unknown color '" + color.substr(0, 16) + "'");
  f.color = *model;
  const json& progressive = need(j, "progressive");
  if (!progressive.is_boolean()) bad("field 'progressive' must be true or false");
  f.progressive = progressive.get<bool>();
  if (j.contains("capture_time")) f.capture_time = need_string(j, "capture_time");
  if (j.contains("orientation")) {
    auto o = need_uint(j, "orientation", 8);
    if (o == 0) bad("field 'orientation' must be 1..8");
    f.orientation = static_cast<std::uint8_t>(o);
  }
  if (j.contains("camera_model")) f.camera_model = need_string(j, "camera_model");
  return f;
}

}  // namespace imgsh::proto
