// Frame decoding of bad input: header_len limits, bad header text, nesting,
// and errors that stick.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/frame_codec.hpp"
#include "tests/unit/frame_test_support.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;
using ::testing::HasSubstr;

// ---------------------------------------------------------------- header_len limits

TEST(FrameDecode, HeaderLenZeroIsBadFrame) {
  Bytes stream = raw_frame(0, 0, "");
  append(stream, frame(json{{"id", 1}}, {}));
  FrameDecoder d;
  auto step = d.feed(stream);
  EXPECT_EQ(step.event, Event::error);
  EXPECT_EQ(step.consumed, kPrefixSize);
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
  EXPECT_FALSE(d.error_message().empty());
}

TEST(FrameDecode, HeaderLen65536IsAccepted) {
  std::string text = json{{"a", std::string(kMaxHeaderLen - 8, 'x')}}.dump();
  ASSERT_EQ(text.size(), kMaxHeaderLen);
  Bytes stream = raw_frame(kMaxHeaderLen, 1, text);
  stream.push_back(42);
  Decoded run = decode_all(stream);
  ASSERT_FALSE(run.error);
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0].header["a"].get<std::string>().size(), kMaxHeaderLen - 8);
  EXPECT_EQ(run.frames[0].body, Bytes{42});
  EXPECT_EQ(run.consumed, stream.size());
}

TEST(FrameDecode, HeaderLen65537IsRefusedAtThePrefix) {
  // Refused as soon as the prefix is complete: the decoder does not wait for
  // (or buffer) 65537 header bytes first.
  Bytes stream = raw_frame(kMaxHeaderLen + 1, 0, "");
  FrameDecoder d;
  auto step = d.feed(stream);
  EXPECT_EQ(step.event, Event::error);
  EXPECT_EQ(step.consumed, kPrefixSize);
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
}

TEST(FrameDecode, HeaderLenAllOnesIsBadFrame) {
  Bytes stream = raw_frame(0xFFFFFFFFu, 0, "{}");
  FrameDecoder d;
  auto step = d.feed(stream);
  EXPECT_EQ(step.event, Event::error);
  EXPECT_EQ(step.consumed, kPrefixSize);
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
}

TEST(FrameDecode, BadHeaderLenFedOneByteAtATime) {
  Bytes stream = raw_frame(0, 0, "");
  FrameDecoder d;
  for (std::size_t i = 0; i + 1 < kPrefixSize; ++i) {
    auto step = d.feed(std::span<const std::uint8_t>(&stream[i], 1));
    ASSERT_EQ(step.event, Event::need_more) << "byte " << i;
    ASSERT_EQ(step.consumed, 1u);
  }
  auto step = d.feed(std::span<const std::uint8_t>(&stream[kPrefixSize - 1], 1));
  EXPECT_EQ(step.event, Event::error);
  EXPECT_EQ(step.consumed, 1u);
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
}

// ---------------------------------------------------------------- bad headers

class BadHeaderText : public ::testing::TestWithParam<std::string> {};

TEST_P(BadHeaderText, IsBadFrameAtOnceAndByteByByte) {
  const std::string& text = GetParam();
  Bytes stream = raw_frame(static_cast<std::uint32_t>(text.size()), 0, text);
  {
    FrameDecoder d;
    auto step = d.feed(stream);
    EXPECT_EQ(step.event, Event::error);
    EXPECT_EQ(step.consumed, stream.size());
    EXPECT_EQ(d.error_code(), Errc::bad_frame);
    EXPECT_FALSE(d.error_message().empty());
  }
  {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    Decoded run = decode_chunks(stream, cuts);
    EXPECT_TRUE(run.error);
    EXPECT_TRUE(run.frames.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(NotUtf8, BadHeaderText,
                         ::testing::Values(std::string("{\"a\":\"\xff\"}"),              // never valid
                                           std::string("{\"a\":\"\xfe\"}"),              // never valid
                                           std::string("{\"a\":\"\x80\"}"),              // lone continuation
                                           std::string("{\"a\":\"\xc0\xaf\"}"),          // overlong '/'
                                           std::string("{\"a\":\"\xc1\xbf\"}"),          // overlong
                                           std::string("{\"a\":\"\xe0\x80\xaf\"}"),      // overlong, 3 bytes
                                           std::string("{\"a\":\"\xf0\x80\x80\xaf\"}"),  // overlong, 4 bytes
                                           std::string("{\"a\":\"\xed\xa0\x80\"}"),      // surrogate U+D800
                                           std::string("{\"a\":\"\xed\xbf\xbf\"}"),      // surrogate U+DFFF
                                           std::string("{\"a\":\"\xf4\x90\x80\x80\"}"),  // above U+10FFFF
                                           std::string("{\"a\":\"\xe2\x82\"}"),          // truncated
                                           std::string("{\"a\":1}\xc3")));               // truncated at the end

INSTANTIATE_TEST_SUITE_P(NotJson, BadHeaderText,
                         ::testing::Values(std::string("{"), std::string("}"), std::string(" "),
                                           std::string("{\"a\":}"), std::string("{\"a\":1,}"),
                                           std::string("{\"a\":1}}"), std::string("{} {}"),
                                           std::string("{'a':1}"), std::string("{a:1}"),
                                           std::string("{\"a\":\"\\ud800\"}"),  // escaped lone surrogate
                                           std::string("{\"a\":1e999}"),        // number overflow
                                           std::string("{\"a\":1}\0", 8),       // trailing NUL
                                           std::string("{\"a\":1}\0{\"op\":\"put\"}", 20),  // text after a NUL
                                           std::string("\0", 1)));

INSTANTIATE_TEST_SUITE_P(NotAnObject, BadHeaderText,
                         ::testing::Values(std::string("[]"), std::string("[{\"op\":\"bye\",\"id\":1}]"),
                                           std::string("\"hello\""), std::string("42"), std::string("-1"),
                                           std::string("3.5"), std::string("true"), std::string("null")));

TEST(FrameDecode, RawNulByteInHeaderIsBadFrame) {
  // A raw NUL is never valid JSON text (strings must escape it as \u0000), so
  // a header_len that covers "{...}\0garbage" is not one JSON object. The
  // JSON parser stops at a NUL as if the input ended there; the decoder must not.
  std::string text = std::string(R"({"op":"bye","id":1})") + '\0' + R"({"op":"get"})";
  ASSERT_EQ(text.size(), 32u);
  FrameDecoder d;
  auto step = d.feed(raw_frame(static_cast<std::uint32_t>(text.size()), 0, text));
  EXPECT_EQ(step.event, Event::error) << "header accepted as " << d.header().dump();
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
}

TEST(FrameDecode, EscapedNulInsideAStringIsFine) {
  std::string text = R"({"a":"x\u0000y"})";
  FrameDecoder d;
  auto step = d.feed(raw_frame(static_cast<std::uint32_t>(text.size()), 0, text));
  ASSERT_EQ(step.event, Event::header);
  EXPECT_EQ(d.header()["a"].get<std::string>(), std::string("x\0y", 3));
}

TEST(FrameDecode, Utf8ErrorsAreReportedAsSuch) {
  std::string text = "{\"a\":\"\xed\xa0\x80\"}";
  FrameDecoder d;
  auto step = d.feed(raw_frame(static_cast<std::uint32_t>(text.size()), 0, text));
  ASSERT_EQ(step.event, Event::error);
  EXPECT_THAT(d.error_message(), HasSubstr("UTF-8"));
}

TEST(FrameDecode, ValidUtf8HeaderIsAccepted) {
  // 2-, 3- and 4-byte sequences, and the largest code point.
  std::string text = "{\"a\":\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\",\"b\":\"\\u00e9\"}";
  Bytes stream = raw_frame(static_cast<std::uint32_t>(text.size()), 0, text);
  Decoded run = decode_all(stream);
  ASSERT_FALSE(run.error);
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0].header["a"], "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
  EXPECT_EQ(run.frames[0].header["b"], "\xc3\xa9");
}

TEST(FrameDecode, EmptyObjectAndWhitespaceAreAccepted) {
  for (std::string text : {std::string("{}"), std::string(" { \"id\" : 1 } \n")}) {
    Bytes stream = raw_frame(static_cast<std::uint32_t>(text.size()), 0, text);
    FrameDecoder d;
    auto step = d.feed(stream);
    EXPECT_EQ(step.event, Event::header) << text;
    EXPECT_EQ(step.consumed, stream.size());
    EXPECT_TRUE(d.header().is_object());
  }
}

TEST(FrameDecode, DeeplyNestedHeaderIsBadFrameNotAStackOverflow) {
  // 30000 nested arrays fit in 65536 bytes; parsing (or copying) them would
  // recurse 30000 deep. The decoder refuses them before parsing.
  std::string text = "{\"a\":" + std::string(30000, '[') + std::string(30000, ']') + "}";
  Bytes stream = raw_frame(static_cast<std::uint32_t>(text.size()), 0, text);
  FrameDecoder d;
  auto step = d.feed(stream);
  EXPECT_EQ(step.event, Event::error);
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
}

TEST(FrameDecode, NestingUpToTheLimitIsAccepted) {
  // The header object itself is level 1; brackets inside strings do not count.
  std::string inner = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']');
  std::string text = "{\"s\":\"[[[[[[[[[[[[[[[[[[[[\",\"a\":" + inner + "}";
  Bytes stream = raw_frame(static_cast<std::uint32_t>(text.size()), 0, text);
  FrameDecoder d;
  EXPECT_EQ(d.feed(stream).event, Event::header) << text;
  std::string deeper = "{\"a\":[" + inner + "]}";
  Bytes too_deep = raw_frame(static_cast<std::uint32_t>(deeper.size()), 0, deeper);
  FrameDecoder d2;
  EXPECT_EQ(d2.feed(too_deep).event, Event::error) << deeper;
}

TEST(JsonDepth, CountsOnlyStructureOutsideStrings) {
  EXPECT_TRUE(json_depth_within("{}", 1));
  EXPECT_FALSE(json_depth_within("{\"a\":{}}", 1));
  EXPECT_TRUE(json_depth_within("{\"a\":\"{{{\\\"{{\"}", 1));
  EXPECT_TRUE(json_depth_within("[1,[2],[3]]", 2));
  EXPECT_FALSE(json_depth_within("[[[]]]", 2));
}

// ---------------------------------------------------------------- errors are sticky

TEST(FrameDecode, ErrorIsSticky) {
  Bytes stream = raw_frame(2, 0, "[]");
  Bytes good = frame(json{{"op", "bye"}, {"id", 1}}, {});
  FrameDecoder d;
  auto step = d.feed(stream);
  ASSERT_EQ(step.event, Event::error);
  for (int i = 0; i < 3; ++i) {
    step = d.feed(good);
    EXPECT_EQ(step.event, Event::error);
    EXPECT_EQ(step.consumed, 0u);
    EXPECT_TRUE(step.body.empty());
    step = d.feed({});
    EXPECT_EQ(step.event, Event::error);
    EXPECT_EQ(step.consumed, 0u);
  }
  EXPECT_EQ(d.error_code(), Errc::bad_frame);
  EXPECT_FALSE(d.in_body());
  EXPECT_FALSE(d.at_frame_boundary());
}

TEST(FrameDecode, GoodFramesBeforeABadOneAreDelivered) {
  Bytes stream = frame(json{{"id", 1}}, {7, 8});
  append(stream, raw_frame(0, 0, ""));
  append(stream, frame(json{{"id", 3}}, {}));
  Decoded run = decode_all(stream);
  EXPECT_TRUE(run.error);
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0], (Frame{json{{"id", 1}}, 2, Bytes{7, 8}}));
  // The good frame, then the bad prefix; nothing of the third frame.
  EXPECT_EQ(run.consumed, 12u + 8u + 2u + kPrefixSize);
}

}  // namespace
}  // namespace imgsh::proto
