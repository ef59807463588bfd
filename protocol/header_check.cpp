#include "protocol/header_check.hpp"

#include <zlib.h>

#include "protocol/image_sniff.hpp"
#include "protocol/names.hpp"

namespace imgsh::proto {
namespace {

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}

// PNG's table of legal bit depths per colour type (PNG spec, 11.2.2).
bool legal_depth(std::uint8_t color, std::uint8_t depth) {
  switch (color) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return false;
  }
}

std::optional<std::string> png_header_problem(std::span<const std::uint8_t> h) {
  if (h.size() < kImageHeaderBytes) return "PNG header truncated";
  if (be32(h, 8) != 13 || std::string_view(reinterpret_cast<const char*>(h.data() + 12), 4) != "IHDR") {
    return "no IHDR chunk after the PNG signature";
  }
  uLong crc = ::crc32(0, h.data() + 12, 17);
  if (be32(h, 29) != static_cast<std::uint32_t>(crc)) return "CRC mismatch in IHDR";
  std::uint32_t w = be32(h, 16), ht = be32(h, 20);
  if (w == 0 || ht == 0 || w > 0x7FFFFFFF || ht > 0x7FFFFFFF) return "bad IHDR: impossible size";
  if (!legal_depth(h[25], h[24]) || h[26] != 0 || h[27] != 0 || h[28] > 1) return "bad IHDR: illegal field values";
  return std::nullopt;
}

std::optional<std::string> jpeg_header_problem(std::span<const std::uint8_t> h) {
  // SOI FF D8, then a marker FF xx (fill bytes FF may repeat) whose segment has a length.
  std::size_t i = 2;
  while (i < h.size() && h[i] == 0xFF) ++i;
  if (i >= h.size() || i + 2 >= h.size()) return "JPEG header truncated";
  std::uint8_t marker = h[i];
  if (marker < 0xC0 || marker == 0xD8 || marker == 0xD9 || (marker >= 0xD0 && marker <= 0xD7)) {
    return "no marker segment after the JPEG SOI";
  }
  if ((std::uint32_t{h[i + 1]} << 8 | h[i + 2]) < 2) return "bad JPEG segment length";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> image_header_problem(std::string_view name, std::span<const std::uint8_t> head) {
  if (auto problem = check_content(name, head.first(std::min(head.size(), kSniffBytes)))) return problem;
  std::optional<std::string> problem =
      kind_from_extension(name) == ImageKind::png ? png_header_problem(head) : jpeg_header_problem(head);
  if (problem) return std::string(name) + ": " + *problem;
  return std::nullopt;
}

}  // namespace imgsh::proto
