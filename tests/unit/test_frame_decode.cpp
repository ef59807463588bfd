// Frame decoding of well-formed streams: round trips and any segmentation
// (one byte at a time, every split point, everything at once).
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

// ---------------------------------------------------------------- round trip

TEST(FrameDecode, RoundTripOfOneFrameWithBody) {
  json header = {{"op", "get"}, {"id", 4}, {"name", "caf\xc3\xa9.png"}};
  Bytes body = pattern(1000, 3);
  Bytes stream = frame(header, body);
  Decoded run = decode_all(stream);
  ASSERT_FALSE(run.error);
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0], (Frame{header, 1000, body}));
  EXPECT_EQ(run.consumed, stream.size());
}

TEST(FrameDecode, ExactStepsForOneFrameFedAtOnce) {
  json header = {{"id", 1}};
  Bytes body = {1, 2, 3};
  Bytes stream = frame(header, body);
  Bytes next = frame(json{{"id", 2}}, {});
  append(stream, next);
  std::span<const std::uint8_t> in(stream);

  FrameDecoder d;
  EXPECT_TRUE(d.at_frame_boundary());
  auto s1 = d.feed(in);
  EXPECT_EQ(s1.event, Event::header);
  EXPECT_EQ(s1.consumed, 12u + 8u);  // {"id":1} is 8 bytes
  EXPECT_EQ(d.header(), header);
  EXPECT_EQ(d.body_len(), 3u);
  EXPECT_EQ(d.body_remaining(), 3u);
  EXPECT_TRUE(d.in_body());

  in = in.subspan(s1.consumed);
  auto s2 = d.feed(in);
  EXPECT_EQ(s2.event, Event::body);
  EXPECT_EQ(s2.consumed, 3u);  // only this body, not the next frame
  ASSERT_EQ(s2.body.size(), 3u);
  EXPECT_EQ(s2.body.data(), in.data());
  EXPECT_EQ(Bytes(s2.body.begin(), s2.body.end()), body);
  EXPECT_EQ(d.body_remaining(), 0u);
  EXPECT_FALSE(d.in_body());
  EXPECT_TRUE(d.at_frame_boundary());

  in = in.subspan(s2.consumed);
  auto s3 = d.feed(in);
  EXPECT_EQ(s3.event, Event::header);
  EXPECT_EQ(s3.consumed, next.size());
  EXPECT_EQ(d.header(), (json{{"id", 2}}));
  EXPECT_EQ(d.body_len(), 0u);
  EXPECT_FALSE(d.in_body());
  EXPECT_TRUE(d.at_frame_boundary());

  auto s4 = d.feed(in.subspan(s3.consumed));
  EXPECT_EQ(s4.event, Event::need_more);
  EXPECT_EQ(s4.consumed, 0u);
}

TEST(FrameDecode, EmptyInputIsNeedMore) {
  FrameDecoder d;
  auto step = d.feed({});
  EXPECT_EQ(step.event, Event::need_more);
  EXPECT_EQ(step.consumed, 0u);
  EXPECT_TRUE(d.at_frame_boundary());
}

TEST(FrameDecode, PartialPrefixIsNotAFrameBoundary) {
  Bytes stream = frame(json{{"id", 1}}, {});
  FrameDecoder d;
  auto step = d.feed(std::span<const std::uint8_t>(stream.data(), 5));
  EXPECT_EQ(step.event, Event::need_more);
  EXPECT_EQ(step.consumed, 5u);
  EXPECT_FALSE(d.at_frame_boundary());
  EXPECT_FALSE(d.in_body());
  // The rest of the prefix and part of the header.
  step = d.feed(std::span<const std::uint8_t>(stream.data() + 5, 10));
  EXPECT_EQ(step.event, Event::need_more);
  EXPECT_EQ(step.consumed, 10u);
  EXPECT_FALSE(d.at_frame_boundary());
  step = d.feed(std::span<const std::uint8_t>(stream.data() + 15, stream.size() - 15));
  EXPECT_EQ(step.event, Event::header);
  EXPECT_EQ(step.consumed, stream.size() - 15);
  EXPECT_TRUE(d.at_frame_boundary());
}

TEST(FrameDecode, BodyLenIsReadBigEndian) {
  Bytes stream = raw_frame(2, 0x0102030405060708ULL, "{}");
  FrameDecoder d;
  auto step = d.feed(stream);
  ASSERT_EQ(step.event, Event::header);
  EXPECT_EQ(d.body_len(), 0x0102030405060708ULL);
  EXPECT_EQ(d.body_remaining(), 0x0102030405060708ULL);
}

TEST(FrameDecode, ThreeFramesFedAtOnce) {
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{{0, 1, 300}, {300, 0, 1}, {1, 300, 0}}) {
    Stream s = make_stream(sizes);
    Decoded run = decode_all(s.bytes);
    ASSERT_FALSE(run.error);
    EXPECT_EQ(run.frames, s.frames);
    EXPECT_EQ(run.consumed, s.bytes.size());
  }
}

TEST(FrameDecode, ThreeFramesFedOneByteAtATime) {
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{{0, 1, 300}, {300, 0, 1}, {1, 300, 0}}) {
    Stream s = make_stream(sizes);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < s.bytes.size(); ++i) cuts.push_back(i);
    Decoded run = decode_chunks(s.bytes, cuts);
    ASSERT_FALSE(run.error);
    EXPECT_EQ(run.frames, s.frames);
    EXPECT_EQ(run.consumed, s.bytes.size());
  }
}

TEST(FrameDecode, ThreeFramesSplitAtEveryPoint) {
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{{0, 1, 300}, {300, 0, 1}, {1, 300, 0}}) {
    Stream s = make_stream(sizes);
    for (std::size_t cut = 0; cut <= s.bytes.size(); ++cut) {
      SCOPED_TRACE("split at byte " + std::to_string(cut));
      Decoded run = decode_chunks(s.bytes, {cut});
      ASSERT_FALSE(run.error);
      ASSERT_EQ(run.frames, s.frames);
      ASSERT_EQ(run.consumed, s.bytes.size());
    }
  }
}

TEST(FrameDecode, ThreeFramesSplitAtEveryPairOfPoints) {
  Stream s = make_stream({0, 1, 40});
  for (std::size_t a = 0; a <= s.bytes.size(); ++a) {
    for (std::size_t b = a; b <= s.bytes.size(); ++b) {
      SCOPED_TRACE("split at bytes " + std::to_string(a) + " and " + std::to_string(b));
      Decoded run = decode_chunks(s.bytes, {a, b});
      ASSERT_FALSE(run.error);
      ASSERT_EQ(run.frames, s.frames);
      ASSERT_EQ(run.consumed, s.bytes.size());
    }
  }
}

TEST(FrameDecode, FramesWithEmptyBodiesBackToBack) {
  Bytes stream;
  std::vector<Frame> expected;
  for (std::uint64_t id = 0; id < 5; ++id) {
    json h = {{"op", "bye"}, {"id", id}};
    append(stream, frame(h, {}));
    expected.push_back(Frame{h, 0, {}});
  }
  Decoded run = decode_all(stream);
  ASSERT_FALSE(run.error);
  EXPECT_EQ(run.frames, expected);
  EXPECT_EQ(run.consumed, stream.size());
}

TEST(FrameDecode, HugeBodyIsHandedOutInPiecesNotBuffered) {
  const std::uint64_t big = std::uint64_t{1} << 40;
  Bytes head = to_bytes(encode_frame_head(json{{"op", "data"}, {"id", 6}}, big));
  FrameDecoder d;
  auto step = d.feed(head);
  ASSERT_EQ(step.event, Event::header);
  EXPECT_EQ(step.consumed, head.size());
  EXPECT_EQ(d.body_len(), big);
  EXPECT_EQ(d.body_remaining(), big);
  EXPECT_TRUE(d.in_body());

  Bytes chunk = pattern(64 * 1024, 9);
  for (std::uint64_t k = 1; k <= 16; ++k) {
    step = d.feed(chunk);
    ASSERT_EQ(step.event, Event::body);
    EXPECT_EQ(step.consumed, chunk.size());
    // The piece is the caller's own memory: nothing was copied or kept.
    EXPECT_EQ(step.body.data(), chunk.data());
    EXPECT_EQ(step.body.size(), chunk.size());
    EXPECT_EQ(d.body_remaining(), big - k * chunk.size());
    EXPECT_TRUE(d.in_body());
  }
}

TEST(FrameDecode, BodyPieceStopsAtTheEndOfTheBody) {
  // A 5-byte body followed by the next frame in the same input.
  Bytes stream = frame(json{{"id", 1}}, {1, 2, 3, 4, 5});
  Bytes second = frame(json{{"id", 2}}, {9});
  append(stream, second);
  FrameDecoder d;
  std::span<const std::uint8_t> in(stream);
  auto step = d.feed(in.first(12 + 8 + 2));  // header and 2 body bytes
  ASSERT_EQ(step.event, Event::header);
  step = d.feed(in.subspan(20, 2));
  ASSERT_EQ(step.event, Event::body);
  EXPECT_EQ(step.body.size(), 2u);
  EXPECT_EQ(d.body_remaining(), 3u);
  step = d.feed(in.subspan(22));
  ASSERT_EQ(step.event, Event::body);
  EXPECT_EQ(step.consumed, 3u);
  EXPECT_EQ(Bytes(step.body.begin(), step.body.end()), (Bytes{3, 4, 5}));
  step = d.feed(in.subspan(25));
  ASSERT_EQ(step.event, Event::header);
  EXPECT_EQ(d.header(), (json{{"id", 2}}));
  step = d.feed(in.subspan(25 + step.consumed));
  ASSERT_EQ(step.event, Event::body);
  EXPECT_EQ(Bytes(step.body.begin(), step.body.end()), (Bytes{9}));
}

TEST(FrameDecode, ProtocolMdPutExampleBytes) {
  std::string text = R"({"op":"put","id":7,"name":"cat.png","size":4})";
  Bytes stream = {0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};
  append(stream, to_bytes(text));
  append(stream, Bytes{0x89, 0x50, 0x4e, 0x47});
  Decoded run = decode_all(stream);
  ASSERT_FALSE(run.error);
  ASSERT_EQ(run.frames.size(), 1u);
  EXPECT_EQ(run.frames[0].header, (json{{"op", "put"}, {"id", 7}, {"name", "cat.png"}, {"size", 4}}));
  EXPECT_EQ(run.frames[0].body, (Bytes{0x89, 0x50, 0x4e, 0x47}));
}

}  // namespace
}  // namespace imgsh::proto
