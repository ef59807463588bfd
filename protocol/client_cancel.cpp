#include "protocol/client_cancel.hpp"

#include "protocol/frame_codec.hpp"
#include "protocol/messages.hpp"

namespace imgsh::proto {
namespace {

bool names_cancel(const nlohmann::json& header) {
  auto op = header.find("op");
  auto id = header.find("id");
  return op != header.end() && op->is_string() && op->get_ref<const std::string&>() == "cancel" &&
         id != header.end() && id->is_number_unsigned();
}

}  // namespace

std::string encode_cancel_frame(std::uint64_t id) {
  return encode_frame_head(to_header(Request{id, Cancel{}}), 0);
}

bool is_cancel(const FrameHead& head) { return head.body_len == 0 && names_cancel(head.header); }

bool find_cancel(std::span<const std::uint8_t> bytes) {
  FrameDecoder decoder;
  while (!bytes.empty()) {
    FrameDecoder::Step step = decoder.feed(bytes);
    bytes = bytes.subspan(step.consumed);
    switch (step.event) {
      case FrameDecoder::Event::header:
        if (decoder.body_len() == 0 && names_cancel(decoder.header())) return true;
        break;
      case FrameDecoder::Event::body:
        break;  // a pipelined put's body: skipped
      case FrameDecoder::Event::need_more:
      case FrameDecoder::Event::error:
        return false;
    }
  }
  return false;
}

bool ends_with_cancel(std::span<const std::uint8_t> tail) {
  if (tail.size() > kCancelFrameMax) tail = tail.subspan(tail.size() - kCancelFrameMax);
  // The frame may begin anywhere in the tail: try each start.
  for (std::size_t from = 0; from + kPrefixSize <= tail.size(); ++from) {
    std::span<const std::uint8_t> candidate = tail.subspan(from);
    FrameDecoder decoder;
    FrameDecoder::Step step = decoder.feed(candidate);
    if (step.event == FrameDecoder::Event::header && step.consumed == candidate.size() && decoder.body_len() == 0 &&
        names_cancel(decoder.header())) {
      return true;
    }
  }
  return false;
}

}  // namespace imgsh::proto
