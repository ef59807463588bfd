// Frame codec: the byte layout of DESIGN.md's wire contract and the incremental
// decoder that must survive any segmentation (one byte at a time, everything at once).
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

namespace imgsh::proto {
namespace {

using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;
using Event = FrameDecoder::Event;
using ::testing::HasSubstr;

Bytes to_bytes(std::string_view s) {
  Bytes out;
  out.reserve(s.size());
  for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
  return out;
}

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

void put_be(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF));
}

// A frame whose prefix is written by hand, so it can lie about its lengths.
Bytes raw_frame(std::uint32_t header_len, std::uint64_t body_len, std::string_view header_text) {
  Bytes out;
  put_be(out, header_len, 4);
  put_be(out, body_len, 8);
  append(out, to_bytes(header_text));
  return out;
}

// A well-formed frame from the real encoder.
Bytes frame(const json& header, const Bytes& body) {
  Bytes out = to_bytes(encode_frame_head(header, body.size()));
  append(out, body);
  return out;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 7 + seed) & 0xFF);
  return out;
}

struct Frame {
  json header;
  std::uint64_t body_len = 0;
  Bytes body;
  bool operator==(const Frame&) const = default;
};

struct Decoded {
  std::vector<Frame> frames;  // complete and partial frames, in order
  bool error = false;
  std::size_t consumed = 0;  // total over all steps
};

// Feeds `chunks` in order to `decoder`, re-feeding the unconsumed rest of each
// chunk, and checks the decoder's promises on every step.
void drive(FrameDecoder& decoder, std::span<const std::uint8_t> chunk, Decoded& run) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    FrameDecoder::Step step = decoder.feed(chunk);
    ASSERT_LE(step.consumed, chunk.size());
    run.consumed += step.consumed;
    switch (step.event) {
      case Event::need_more:
        // need_more means the whole input was taken.
        ASSERT_EQ(step.consumed, chunk.size());
        EXPECT_TRUE(step.body.empty());
        return;
      case Event::header: {
        ASSERT_GT(step.consumed, 0u);
        EXPECT_TRUE(step.body.empty());
        run.frames.push_back(Frame{decoder.header(), decoder.body_len(), {}});
        if (decoder.body_len() == 0) {
          EXPECT_FALSE(decoder.in_body());
          EXPECT_TRUE(decoder.at_frame_boundary());
        } else {
          EXPECT_TRUE(decoder.in_body());
          EXPECT_FALSE(decoder.at_frame_boundary());
          EXPECT_EQ(decoder.body_remaining(), decoder.body_len());
        }
        break;
      }
      case Event::body: {
        ASSERT_FALSE(run.frames.empty());
        Frame& f = run.frames.back();
        std::uint64_t remaining_before = f.body_len - f.body.size();
        ASSERT_GT(step.body.size(), 0u);
        // A body piece never runs past the current body.
        ASSERT_LE(step.body.size(), remaining_before);
        // A body step consumes exactly its piece, and the piece is the input
        // itself (handed out, not copied into a buffer).
        ASSERT_EQ(step.consumed, step.body.size());
        EXPECT_EQ(step.body.data(), chunk.data());
        EXPECT_EQ(decoder.body_remaining(), remaining_before - step.body.size());
        f.body.insert(f.body.end(), step.body.begin(), step.body.end());
        if (decoder.body_remaining() == 0) {
          EXPECT_FALSE(decoder.in_body());
          EXPECT_TRUE(decoder.at_frame_boundary());
        } else {
          EXPECT_TRUE(decoder.in_body());
        }
        break;
      }
      case Event::error:
        run.error = true;
        return;
    }
    chunk = chunk.subspan(step.consumed);
    if (chunk.empty()) {
      // Feeding nothing is harmless: need_more (or the sticky error), nothing consumed.
      FrameDecoder::Step idle = decoder.feed(chunk);
      EXPECT_EQ(idle.consumed, 0u);
      if (idle.event == Event::error) {
        run.error = true;
      } else {
        EXPECT_EQ(idle.event, Event::need_more);
      }
      return;
    }
  }
  FAIL() << "decoder made no progress";
}

Decoded decode_chunks(const Bytes& stream, const std::vector<std::size_t>& cuts) {
  FrameDecoder decoder;
  Decoded run;
  std::size_t begin = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(stream.size());
  for (std::size_t end : ends) {
    std::span<const std::uint8_t> chunk(stream.data() + begin, end - begin);
    drive(decoder, chunk, run);
    if (::testing::Test::HasFatalFailure() || run.error) break;
    begin = end;
  }
  return run;
}

Decoded decode_all(const Bytes& stream) { return decode_chunks(stream, {}); }

// Three frames with bodies of 0, 1 and 300 bytes (and the same in another order).
struct Stream {
  std::vector<Frame> frames;
  Bytes bytes;
};

Stream make_stream(const std::vector<std::size_t>& body_sizes) {
  Stream s;
  std::uint64_t id = 1;
  for (std::size_t size : body_sizes) {
    json header = {{"op", "put"}, {"id", id}, {"name", "f" + std::to_string(id) + ".png"}, {"size", size}};
    Bytes body = pattern(size, static_cast<std::uint8_t>(id));
    append(s.bytes, frame(header, body));
    s.frames.push_back(Frame{header, size, body});
    ++id;
  }
  return s;
}

// ---------------------------------------------------------------- encoding

TEST(FrameEncode, PrefixIsBigEndianHeaderLenThenBodyLen) {
  json header = {{"op", "bye"}, {"id", 9}};
  std::string text = header.dump();
  std::string head = encode_frame_head(header, 0x0102030405060708ULL);
  ASSERT_EQ(head.size(), kPrefixSize + text.size());
  Bytes b = to_bytes(head);
  Bytes expected_prefix = {0x00, 0x00, 0x00, static_cast<std::uint8_t>(text.size()),
                           0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 12), expected_prefix);
  EXPECT_EQ(head.substr(kPrefixSize), text);
  EXPECT_EQ(json::parse(head.substr(kPrefixSize)), header);
}

TEST(FrameEncode, ProtocolMdPutExampleHasHeaderLen0x2d) {
  // PROTOCOL.md section 4: {"op":"put","id":7,"name":"cat.png","size":4}, body_len 4.
  json header = {{"op", "put"}, {"id", 7}, {"name", "cat.png"}, {"size", 4}};
  Bytes b = to_bytes(encode_frame_head(header, 4));
  Bytes expected_prefix = {0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};
  ASSERT_EQ(b.size(), 12u + 0x2du);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 12), expected_prefix);
}

TEST(FrameEncode, ZeroAndMaximalBodyLen) {
  Bytes zero = to_bytes(encode_frame_head(json::object(), 0));
  EXPECT_EQ(zero, raw_frame(2, 0, "{}"));
  Bytes max = to_bytes(encode_frame_head(json::object(), UINT64_MAX));
  EXPECT_EQ(max, raw_frame(2, UINT64_MAX, "{}"));
}

TEST(FrameEncode, HeaderOf65536BytesIsEncodedAnd65537Refused) {
  // {"a":"xxx..."} is 8 bytes plus the string.
  json fits = {{"a", std::string(kMaxHeaderLen - 8, 'x')}};
  std::string head = encode_frame_head(fits, 0);
  EXPECT_EQ(head.size(), kPrefixSize + kMaxHeaderLen);
  Bytes b = to_bytes(head.substr(0, 4));
  EXPECT_EQ(b, (Bytes{0x00, 0x01, 0x00, 0x00}));

  json too_big = {{"a", std::string(kMaxHeaderLen - 7, 'x')}};
  try {
    (void)encode_frame_head(too_big, 0);
    ADD_FAILURE() << "a 65537-byte header was encoded";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), Errc::internal);
  }
}

TEST(FrameEncode, NonUtf8StringInHeaderIsReplacedNotSent) {
  // The encoder never puts invalid UTF-8 on the wire, and never throws for it
  // (an error reply may echo a hostile name): bad bytes become U+FFFD.
  json bad = {{"name", std::string("\xff.png")}};
  std::string head = encode_frame_head(bad, 0);
  EXPECT_EQ(head.substr(kPrefixSize), "{\"name\":\"\xef\xbf\xbd.png\"}");
  FrameDecoder decoder;
  auto step = decoder.feed({reinterpret_cast<const std::uint8_t*>(head.data()), head.size()});
  EXPECT_EQ(step.event, FrameDecoder::Event::header);
}

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
