#include "protocol/image_header.hpp"

#include <unistd.h>

#include <cerrno>

#include "protocol/image_decoders.hpp"
#include "protocol/image_sniff.hpp"

namespace imgsh::proto {

std::optional<ImageFacts> read_image_header(int fd, std::string_view name, const HeaderLimits& limits) {
  std::uint8_t head[kSniffBytes];
  ssize_t n;
  do {
    n = ::pread(fd, head, sizeof head, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;
  std::span<const std::uint8_t> first(head, static_cast<std::size_t>(n));
  // The same rule as the sniff on the wire: a PNG named .jpg has no facts.
  if (kind_from_extension(name) == ImageKind::unknown || check_content(name, first)) return std::nullopt;
  if (sniff_image(first) == ImageKind::png) return read_png_header(fd, limits.buffer_bytes, limits.max_bytes);
  return read_jpeg_header(fd, limits.buffer_bytes, limits.max_bytes);
}

}  // namespace imgsh::proto
