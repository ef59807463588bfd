#include "protocol/image_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "protocol/fd_reader.hpp"
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

namespace {

// The first bytes of the file, for the sniff: up to kSniffBytes, fewer if it is shorter.
std::size_t read_head(int fd, FileGrowth* growth, std::uint8_t (&head)[kSniffBytes], int& error) {
  FdReader reader(fd, growth, kSniffBytes, kSniffBytes);
  std::size_t got = 0;
  while (got < kSniffBytes) {
    auto bytes = reader.next();
    if (bytes.empty()) break;
    std::size_t take = std::min(bytes.size(), kSniffBytes - got);
    std::memcpy(head + got, bytes.data(), take);
    got += take;
  }
  error = reader.error();
  return got;
}

ImageCheck check_image(int fd, std::string_view name, const ImageLimits& limits, RowSink* sink, FileGrowth* growth) {
  std::string who(name);
  auto with_name = [&](ImageCheck c) {
    if (c.problem) c.problem->message = who + ": " + c.problem->message;
    return c;
  };
  if (kind_from_extension(name) == ImageKind::unknown) {
    return refused(Errc::unsupported_type, who + ": only .jpg, .jpeg and .png files are images");
  }
  if (!growth) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return with_name(refused(Errc::internal, std::string("cannot stat: ") + std::strerror(errno)));
    if (st.st_size == 0) return with_name(refused(Errc::empty_file, "the file is empty"));
  }

  std::uint8_t head[kSniffBytes];
  int error = 0;
  std::size_t n = read_head(fd, growth, head, error);
  if (error != 0) return with_name(refused(Errc::internal, std::string("cannot read: ") + std::strerror(error)));
  // The same rule as the sniff on the wire: a PNG named .jpg is not_an_image.
  if (auto problem = check_content(name, {head, n})) return refused(Errc::not_an_image, *problem);
  return with_name(sniff_image({head, n}) == ImageKind::png ? check_png(fd, limits, sink, growth)
                                                            : check_jpeg(fd, limits, sink, growth));
}

}  // namespace

ImageCheck check_image_file(int fd, std::string_view name, const ImageLimits& limits, RowSink* sink) {
  return check_image(fd, name, limits, sink, nullptr);
}

ImageCheck check_image_while_written(int fd, std::string_view name, FileGrowth& growth, const ImageLimits& limits) {
  return check_image(fd, name, limits, nullptr, &growth);
}

}  // namespace imgsh::proto
