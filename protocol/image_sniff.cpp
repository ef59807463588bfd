#include "protocol/image_sniff.hpp"

#include <algorithm>
#include <string>

namespace imgsh::proto {
namespace {

constexpr std::array<std::uint8_t, 8> kPngSignature{0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
constexpr std::array<std::uint8_t, 3> kJpegSoi{0xFF, 0xD8, 0xFF};

template <std::size_t N>
bool starts_with(std::span<const std::uint8_t> bytes, const std::array<std::uint8_t, N>& magic) {
  return bytes.size() >= N && std::equal(magic.begin(), magic.end(), bytes.begin());
}

std::string_view kind_name(ImageKind kind) { return kind == ImageKind::png ? "PNG" : "JPEG"; }

}  // namespace

ImageKind sniff_image(std::span<const std::uint8_t> first_bytes) {
  if (starts_with(first_bytes, kPngSignature)) return ImageKind::png;
  if (starts_with(first_bytes, kJpegSoi)) return ImageKind::jpeg;
  return ImageKind::unknown;
}

std::optional<std::string> check_content(std::string_view name, std::span<const std::uint8_t> first_bytes) {
  ImageKind promised = kind_from_extension(name);
  ImageKind actual = sniff_image(first_bytes);
  std::string who(name);
  if (promised == ImageKind::unknown) return who + ": the name has no image extension";
  if (actual == promised) return std::nullopt;
  if (actual == ImageKind::unknown) return who + ": content is not a " + std::string(kind_name(promised)) + " image";
  return who + ": content is " + std::string(kind_name(actual)) + " but the name says " +
         std::string(kind_name(promised));
}

void SniffBuffer::add(std::span<const std::uint8_t> piece) {
  std::size_t n = std::min(piece.size(), kSniffBytes - size_);
  std::copy_n(piece.begin(), n, data_.begin() + static_cast<std::ptrdiff_t>(size_));
  size_ += n;
}

}  // namespace imgsh::proto
