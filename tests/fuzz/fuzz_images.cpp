// libFuzzer target for image validation (protocol/image_check.hpp): every input is
// validated as a PNG or a JPEG, whichever its first bytes claim, with small limits so
// that a header claiming a huge image is refused quickly instead of decoded. Only our
// code is instrumented (the decoders are the system's libspng, libjpeg-turbo, libexif);
// ASan and UBSan catch our slips around them: the chunk tracker, the JPEG source and
// APP1 reader, the longjmp paths, the EXIF field readers.
// Built and run by `run.sh images`; not part of make test.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "protocol/image_check.hpp"
#include "protocol/image_sniff.hpp"
#include "protocol/unique_fd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = ::memfd_create("fuzz-image", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  auto kind = imgsh::proto::sniff_image({data, size});
  imgsh::proto::ImageLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_decoder_memory = 64u << 20;
  limits.max_metadata_bytes = 1u << 20;
  limits.max_jpeg_scans = 100;
  auto result = imgsh::proto::check_image_file(fd, kind == imgsh::proto::ImageKind::jpeg ? "f.jpg" : "f.png", limits);
  // Facts of an accepted image must be sane.
  if (result.ok() && (result.facts.width == 0 || result.facts.height == 0)) __builtin_trap();
  return 0;
}
