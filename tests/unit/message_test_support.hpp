#pragma once
// Helpers shared by the message tests: headers as they arrive from the wire.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/frame_codec.hpp"

namespace imgsh::proto::test_support {

using nlohmann::json;

// What arrives over the wire: numbers as the JSON parser types them.
inline json wire(std::string_view text) { return json::parse(text); }

// A request through the real byte layout and back.
inline json through_the_wire(const json& header) {
  std::string bytes = encode_frame_head(header, 0);
  FrameDecoder d;
  auto step = d.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_EQ(step.event, FrameDecoder::Event::header);
  EXPECT_EQ(step.consumed, bytes.size());
  return d.header();
}

}  // namespace imgsh::proto::test_support
