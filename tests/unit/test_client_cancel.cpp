// protocol/client_cancel.hpp: the cancel frame, found as a frame, among pipelined
// frames, and at the end of a body cut short.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/client_cancel.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/messages.hpp"

namespace imgsh::proto {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::string frame(const nlohmann::json& header, const std::string& body = "") {
  return encode_frame_head(header, body.size()) + body;
}

TEST(ClientCancel, TheFrameIsTheCancelRequest) {
  std::string f = encode_cancel_frame(12);
  std::uint64_t id = 0;
  nlohmann::json header = nlohmann::json::parse(f.substr(kPrefixSize));
  Request r = parse_request(header, id);
  EXPECT_EQ(id, 12u);
  EXPECT_TRUE(std::holds_alternative<Cancel>(r.body));
  EXPECT_EQ(op_name(r.body), "cancel");
  EXPECT_LE(encode_cancel_frame(UINT64_MAX).size(), kCancelFrameMax);
  EXPECT_TRUE(is_cancel(FrameHead{header, 0}));
  EXPECT_FALSE(is_cancel(FrameHead{header, 1})) << "a cancel has no body";
  EXPECT_FALSE(is_cancel(FrameHead{{{"op", "checksum"}, {"id", 12}}, 0}));
}

TEST(ClientCancel, FoundBehindPipelinedRequests) {
  std::string get = frame({{"op", "get"}, {"id", 3}, {"name", "a.png"}});
  std::string put = frame({{"op", "put"}, {"id", 4}, {"name", "b.png"}, {"size", 5}}, "\x89PNG\r");
  EXPECT_TRUE(find_cancel(bytes(encode_cancel_frame(2))));
  EXPECT_TRUE(find_cancel(bytes(get + put + encode_cancel_frame(4))));
  EXPECT_FALSE(find_cancel(bytes(get + put)));
  std::string whole = get + encode_cancel_frame(3);
  EXPECT_FALSE(find_cancel(bytes(whole.substr(0, whole.size() - 1)))) << "only a whole frame counts";
  EXPECT_FALSE(find_cancel(bytes(std::string(12, '\0') + encode_cancel_frame(3)))) << "not framing";
}

TEST(ClientCancel, FoundAtTheEndOfABodyCutShort) {
  std::string body(1000, 'x');
  std::vector<std::uint8_t> tail = bytes(body + encode_cancel_frame(7));
  EXPECT_TRUE(ends_with_cancel(tail));
  tail.push_back('x');
  EXPECT_FALSE(ends_with_cancel(tail)) << "the frame must end the stream";
  EXPECT_FALSE(ends_with_cancel(bytes(body)));
  EXPECT_FALSE(ends_with_cancel(bytes(body + frame({{"op", "checksum"}, {"id", 7}, {"xxh3", std::string(32, '0')}}))));
  std::string cut = encode_cancel_frame(7);
  EXPECT_FALSE(ends_with_cancel(bytes(body + cut.substr(1)))) << "a cancel frame missing its first byte";
}

}  // namespace
}  // namespace imgsh::proto
