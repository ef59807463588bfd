#pragma once
// The byte layout of one frame (DESIGN.md, wire contract v1):
//   header_len u32 BE | body_len u64 BE | header (UTF-8 JSON object) | body
// This file and frame_codec.cpp are the only places that know it.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"

namespace imgsh::proto {

inline constexpr std::size_t kPrefixSize = 12;
inline constexpr std::uint32_t kMaxHeaderLen = 65536;
// Deeper JSON is refused before parsing: nlohmann recurses once per level, and
// 64 KiB of brackets would otherwise exhaust a thread's stack.
inline constexpr int kMaxJsonDepth = 16;

// True when `text` nests arrays/objects at most `max_depth` deep (brackets
// inside strings do not count). Cheap; call it before parsing untrusted JSON.
bool json_depth_within(std::string_view text, int max_depth = kMaxJsonDepth);

// True when `bytes` begin with a whole frame prefix and header (valid or not).
bool holds_frame_head(std::span<const std::uint8_t> bytes);

// The prefix and header of a frame whose body (body_len bytes) follows separately.
std::string encode_frame_head(const nlohmann::json& header, std::uint64_t body_len);

// Incremental decoder: accepts input split at any byte. Feed it whatever
// arrived; each call consumes bytes up to the next event and says which.
class FrameDecoder {
 public:
  enum class Event {
    need_more,  // all input consumed, no event yet
    header,     // a header is complete: header(), body_len()
    body,       // `body` holds the next piece of the current frame's body
    error,      // the stream is not valid framing: error_code(), error_message()
  };
  struct Step {
    Event event;
    std::size_t consumed;
    std::span<const std::uint8_t> body;
  };

  Step feed(std::span<const std::uint8_t> input);

  const nlohmann::json& header() const { return header_; }
  nlohmann::json take_header() { return std::move(header_); }
  std::uint64_t body_len() const { return body_len_; }
  std::uint64_t body_remaining() const { return body_remaining_; }
  bool in_body() const { return state_ == State::body; }
  // True between frames: nothing of a next frame has been consumed yet.
  bool at_frame_boundary() const { return state_ == State::prefix && prefix_size_ == 0; }
  Errc error_code() const { return error_code_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class State { prefix, header, body, failed };
  Step fail(std::size_t consumed, Errc code, std::string message);
  Step finish_header(std::size_t consumed);

  State state_ = State::prefix;
  std::array<std::uint8_t, kPrefixSize> prefix_{};
  std::size_t prefix_size_ = 0;
  std::uint32_t header_len_ = 0;
  std::string header_bytes_;
  nlohmann::json header_;
  std::uint64_t body_len_ = 0;
  std::uint64_t body_remaining_ = 0;
  Errc error_code_ = Errc::bad_frame;
  std::string error_message_;
};

}  // namespace imgsh::proto
