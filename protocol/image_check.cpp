#include "protocol/image_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "protocol/image_decoders.hpp"
#include "protocol/image_sniff.hpp"

namespace imgsh::proto {
namespace {

std::string megapixels(std::uint64_t pixels) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MP", static_cast<double>(pixels) / 1e6);
  return text;
}

}  // namespace

std::string mebibytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

ImageCheck refused(Errc code, std::string message) {
  ImageCheck c;
  c.problem = ImageProblem{code, std::move(message)};
  return c;
}

std::string pixel_limit_problem(std::uint64_t width, std::uint64_t height, const ImageLimits& limits) {
  std::uint64_t pixels = width * height;  // both below 2^32: no overflow
  if (pixels <= limits.max_pixels) return {};
  return std::to_string(width) + " x " + std::to_string(height) + " pixels (" + megapixels(pixels) +
         ") is over the limit of " + megapixels(limits.max_pixels) + ": refused before decoding (decompression bomb?)";
}

std::string memory_limit_message(std::uint64_t needed, const ImageLimits& limits, const char* what) {
  return std::string("decoding ") + what + " needs " + mebibytes(needed) + ", over the decoder memory limit of " +
         mebibytes(limits.max_decoder_memory);
}

ImageCheck check_image_file(int fd, std::string_view name, const ImageLimits& limits, RowSink* sink) {
  std::string who(name);
  auto with_name = [&](ImageCheck c) {
    if (c.problem) c.problem->message = who + ": " + c.problem->message;
    return c;
  };
  if (kind_from_extension(name) == ImageKind::unknown) {
    return refused(Errc::unsupported_type, who + ": only .jpg, .jpeg and .png files are images");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return with_name(refused(Errc::internal, std::string("cannot stat: ") + std::strerror(errno)));
  if (st.st_size == 0) return with_name(refused(Errc::empty_file, "the file is empty"));

  std::uint8_t head[kSniffBytes];
  ssize_t n;
  do {
    n = ::pread(fd, head, sizeof head, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return with_name(refused(Errc::internal, std::string("cannot read: ") + std::strerror(errno)));
  // The same rule as the sniff on the wire: a PNG named .jpg is not_an_image.
  if (auto problem = check_content(name, {head, static_cast<std::size_t>(n)})) {
    return refused(Errc::not_an_image, *problem);
  }
  return with_name(sniff_image({head, static_cast<std::size_t>(n)}) == ImageKind::png ? check_png(fd, limits, sink)
                                                                                      : check_jpeg(fd, limits, sink));
}

}  // namespace imgsh::proto
