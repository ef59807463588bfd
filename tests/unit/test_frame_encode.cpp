// Frame encoding: the byte layout of DESIGN.md's wire contract.
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

}  // namespace
}  // namespace imgsh::proto
