#include "protocol/png_chunk_tracker.hpp"

#include <algorithm>
#include <cstdio>

namespace imgsh::proto {

void PngChunkTracker::feed(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    if (part_ == Part::header) {
      std::size_t take = std::min(bytes.size(), header_.size() - header_got_);
      std::copy_n(bytes.begin(), take, header_.begin() + static_cast<std::ptrdiff_t>(header_got_));
      header_got_ += take;
      bytes = bytes.subspan(take);
      if (header_got_ < header_.size()) continue;
      left_ = (std::uint64_t{header_[0]} << 24) | (std::uint64_t{header_[1]} << 16) | (std::uint64_t{header_[2]} << 8) |
              header_[3];
      std::copy_n(header_.begin() + 4, 4, current_.begin());
      header_got_ = 0;
      part_ = left_ > 0 ? Part::data : Part::crc;
      if (part_ == Part::crc) left_ = 4;
      continue;
    }
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), left_));
    left_ -= take;
    bytes = bytes.subspan(take);
    if (left_ > 0) continue;
    if (part_ == Part::data) {
      part_ = Part::crc;
      left_ = 4;
    } else {
      if (part_ == Part::crc) {
        last_complete_ = current_;
        complete_ = true;
      }
      part_ = Part::header;
    }
  }
}

std::string PngChunkTracker::truncation() const {
  if (in_signature()) return "truncated: shorter than the PNG signature";
  if (between_chunks()) {
    return complete_ ? "truncated: no IEND chunk (the last chunk is " + last_complete() + ")"
                     : std::string("truncated: no IEND chunk");
  }
  return "truncated: the file ends inside the " + current() + " chunk";
}

std::string PngChunkTracker::type_name(const std::array<std::uint8_t, 4>& type) {
  bool letters = std::all_of(type.begin(), type.end(), [](std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
  if (letters) return std::string(type.begin(), type.end());
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%02X%02X%02X%02X", type[0], type[1], type[2], type[3]);
  return hex;
}

}  // namespace imgsh::proto
