#pragma once
// Helpers shared by the frame codec tests: frames built by hand (so they can
// lie about their lengths) or by the real encoder, and a driver that feeds a
// decoder any segmentation and checks its promises on every step.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/frame_codec.hpp"

namespace imgsh::proto::test_support {

using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;
using Event = FrameDecoder::Event;

inline Bytes to_bytes(std::string_view s) {
  Bytes out;
  out.reserve(s.size());
  for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
  return out;
}

inline void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

inline void put_be(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF));
}

// A frame whose prefix is written by hand, so it can lie about its lengths.
inline Bytes raw_frame(std::uint32_t header_len, std::uint64_t body_len, std::string_view header_text) {
  Bytes out;
  put_be(out, header_len, 4);
  put_be(out, body_len, 8);
  append(out, to_bytes(header_text));
  return out;
}

// A well-formed frame from the real encoder.
inline Bytes frame(const json& header, const Bytes& body) {
  Bytes out = to_bytes(encode_frame_head(header, body.size()));
  append(out, body);
  return out;
}

inline Bytes pattern(std::size_t n, std::uint8_t seed) {
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
inline void drive(FrameDecoder& decoder, std::span<const std::uint8_t> chunk, Decoded& run) {
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

inline Decoded decode_chunks(const Bytes& stream, const std::vector<std::size_t>& cuts) {
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

inline Decoded decode_all(const Bytes& stream) { return decode_chunks(stream, {}); }

// Three frames with bodies of 0, 1 and 300 bytes (and the same in another order).
struct Stream {
  std::vector<Frame> frames;
  Bytes bytes;
};

inline Stream make_stream(const std::vector<std::size_t>& body_sizes) {
  Stream s;
  std::uint64_t id = 1;
  for (std::size_t size : body_sizes) {
    std::string name = "f";  // appended: "f" + std::to_string() trips g++ 12's false -Wrestrict at -O3
    name += std::to_string(id);
    name += ".png";
    json header = {{"op", "put"}, {"id", id}, {"name", name}, {"size", size}};
    Bytes body = pattern(size, static_cast<std::uint8_t>(id));
    append(s.bytes, frame(header, body));
    s.frames.push_back(Frame{header, size, body});
    ++id;
  }
  return s;
}

}  // namespace imgsh::proto::test_support
