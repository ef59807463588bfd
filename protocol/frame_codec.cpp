#include "protocol/frame_codec.hpp"

#include <algorithm>

#include "protocol/names.hpp"

namespace imgsh::proto {
namespace {

void put_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_be(const std::uint8_t* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  return value;
}

}  // namespace

std::string encode_frame_head(const nlohmann::json& header, std::uint64_t body_len) {
  std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.empty() || text.size() > kMaxHeaderLen) {
    throw ProtocolError(Errc::internal, "frame header of " + std::to_string(text.size()) + " bytes");
  }
  std::string out;
  out.reserve(kPrefixSize + text.size());
  put_be(out, text.size(), 4);
  put_be(out, body_len, 8);
  out += text;
  return out;
}

bool holds_frame_head(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= kPrefixSize && bytes.size() - kPrefixSize >= get_be(bytes.data(), 4);
}

bool json_depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

FrameDecoder::Step FrameDecoder::fail(std::size_t consumed, Errc code, std::string message) {
  state_ = State::failed;
  error_code_ = code;
  error_message_ = std::move(message);
  return {Event::error, consumed, {}};
}

FrameDecoder::Step FrameDecoder::finish_header(std::size_t consumed) {
  if (!is_valid_utf8(header_bytes_)) return fail(consumed, Errc::bad_frame, "frame header is not valid UTF-8");
  // nlohmann's parser stops at a NUL byte; a raw NUL is never valid JSON text.
  if (header_bytes_.find('\0') != std::string::npos) return fail(consumed, Errc::bad_frame, "frame header is not valid JSON");
  if (!json_depth_within(header_bytes_)) return fail(consumed, Errc::bad_frame, "frame header nests too deeply");
  header_ = nlohmann::json::parse(header_bytes_, nullptr, /*allow_exceptions=*/false);
  header_bytes_.clear();
  if (header_.is_discarded()) return fail(consumed, Errc::bad_frame, "frame header is not valid JSON");
  if (!header_.is_object()) return fail(consumed, Errc::bad_frame, "frame header is not a JSON object");
  body_remaining_ = body_len_;
  state_ = body_len_ > 0 ? State::body : State::prefix;
  return {Event::header, consumed, {}};
}

FrameDecoder::Step FrameDecoder::feed(std::span<const std::uint8_t> input) {
  std::size_t used = 0;
  while (true) {
    switch (state_) {
      case State::failed:
        return {Event::error, used, {}};
      case State::prefix: {
        if (used == input.size()) return {Event::need_more, used, {}};
        std::size_t n = std::min(kPrefixSize - prefix_size_, input.size() - used);
        std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(used), n, prefix_.begin() + static_cast<std::ptrdiff_t>(prefix_size_));
        prefix_size_ += n;
        used += n;
        if (prefix_size_ < kPrefixSize) return {Event::need_more, used, {}};
        prefix_size_ = 0;
        header_len_ = static_cast<std::uint32_t>(get_be(prefix_.data(), 4));
        body_len_ = get_be(prefix_.data() + 4, 8);
        if (header_len_ == 0 || header_len_ > kMaxHeaderLen) {
          return fail(used, Errc::bad_frame, "header_len " + std::to_string(header_len_) + " is outside 1..65536");
        }
        header_bytes_.clear();
        header_bytes_.reserve(header_len_);
        state_ = State::header;
        break;
      }
      case State::header: {
        std::size_t n = std::min<std::size_t>(header_len_ - header_bytes_.size(), input.size() - used);
        header_bytes_.append(reinterpret_cast<const char*>(input.data() + used), n);
        used += n;
        if (header_bytes_.size() < header_len_) return {Event::need_more, used, {}};
        return finish_header(used);
      }
      case State::body: {
        if (used == input.size()) return {Event::need_more, used, {}};
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, input.size() - used));
        auto piece = input.subspan(used, n);
        body_remaining_ -= n;
        if (body_remaining_ == 0) state_ = State::prefix;
        return {Event::body, used + n, piece};
      }
    }
  }
}

}  // namespace imgsh::proto
