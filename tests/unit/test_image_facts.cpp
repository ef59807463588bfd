// Image facts as JSON (protocol/image_facts.hpp): what stat and list replies will carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/image_facts.hpp"
#include "sample_image_facts.hpp"

namespace imgsh::proto {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(ImageFactsJson, Shape) {
  EXPECT_EQ(to_json(sample::camera_jpeg_facts()), json::parse(R"({"format":"jpeg","width":6000,"height":4000,"bit_depth":8,"color":"ycbcr",
      "progressive":true,"capture_time":"2024-02-29T13:45:07","orientation":6,"camera_model":"Canon EOS R5"})"));
  ImageFacts png;
  png.format = ImageKind::png;
  png.width = 1;
  png.height = 2;
  png.bit_depth = 16;
  png.color = ColorModel::gray_alpha;
  EXPECT_EQ(to_json(png), json::parse(R"({"format":"png","width":1,"height":2,"bit_depth":16,"color":"gray_alpha",
      "progressive":false})"));
}

TEST(ImageFactsJson, RoundTripsThroughText) {
  ImageFacts f = sample::camera_jpeg_facts();
  EXPECT_EQ(image_facts_from_json(json::parse(to_json(f).dump())), f);
  f.capture_time.reset();
  f.orientation.reset();
  f.camera_model.reset();
  for (ColorModel c : {ColorModel::gray, ColorModel::gray_alpha, ColorModel::rgb, ColorModel::rgba, ColorModel::palette,
                       ColorModel::ycbcr, ColorModel::cmyk, ColorModel::ycck}) {
    f.color = c;
    EXPECT_EQ(image_facts_from_json(json::parse(to_json(f).dump())), f) << to_string(c);
  }
}

TEST(ImageFactsJson, RejectsMalformedFacts) {
  json good = to_json(sample::camera_jpeg_facts());
  auto broken = [&](const char* key, json value) {
    json j = good;
    if (value.is_discarded()) {
      j.erase(key);
    } else {
      j[key] = value;
    }
    return j;
  };
  const json gone = json(json::value_t::discarded);
  for (const auto& [j, why] : std::vector<std::pair<json, std::string>>{
           {broken("format", "gif"), "unknown format"},
           {broken("format", gone), "'format' is missing"},
           {broken("width", -1), "'width' must be an unsigned integer"},
           {broken("height", 4294967296ull), "'height' must be an unsigned integer up to 4294967295"},
           {broken("bit_depth", 17), "'bit_depth'"},
           {broken("color", "purple"), "unknown color"},
           {broken("progressive", 1), "'progressive' must be true or false"},
           {broken("orientation", 0u), "'orientation' must be 1..8"},
           {broken("orientation", 9), "'orientation'"},
           {broken("camera_model", 5), "'camera_model' must be a string"},
           {json::array(), "not an object"}}) {
    try {
      image_facts_from_json(j);
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.code(), Errc::bad_request);
      EXPECT_THAT(e.what(), HasSubstr(why)) << j.dump();
    }
  }
}

}  // namespace
}  // namespace imgsh::proto
