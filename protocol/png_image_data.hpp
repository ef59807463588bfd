#pragma once
// The second half of a PNG check (png_check.cpp): libspng has read the signature, IHDR and
// every chunk before the first IDAT, and stopped inside that IDAT. From there this reads
// the rest itself with ISA-L (libisal): every chunk's CRC, the image data inflated to its
// end (zlib header and Adler-32 included) with the filter type of every scanline checked
// and the byte count exactly the image's, then the chunks after it up to IEND.
//
// Why not libspng to the end: it inflates with zlib, and zlib was 90 % of a PNG check;
// ISA-L's inflate and CRC are several times faster and libspng cannot use them. Rows are
// not unfiltered: a filter cannot fail, only its type byte can be wrong.
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/error_code.hpp"
#include "protocol/fd_reader.hpp"
#include "protocol/image_facts.hpp"
#include "protocol/png_chunk_tracker.hpp"

namespace imgsh::proto {

// What IHDR says about the scanlines the image data must inflate to.
struct PngScanlines {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  unsigned bits_per_pixel = 0;  // bit depth x channels
  bool interlaced = false;      // Adam7: seven passes of smaller scanlines
};

struct PngDataProblem {
  Errc code;
  std::string message;  // without the file's name
};

// Reads from `reader`, positioned where `tracker` says: inside the first IDAT chunk (its
// length and type read). Every byte read is fed to `tracker`. An eXIf chunk after the
// image data fills `facts`' EXIF fields when none were found before it. `max_metadata_bytes`
// bounds the one eXIf kept. nullopt when the file is a sound PNG to its IEND.
std::optional<PngDataProblem> check_png_image_data(FdReader& reader, PngChunkTracker& tracker,
                                                   const PngScanlines& scanlines, std::uint64_t max_metadata_bytes,
                                                   ImageFacts& facts);

}  // namespace imgsh::proto
