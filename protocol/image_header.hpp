#pragma once
// An image's facts from its header alone (issue 13): what stat and list show for a stored
// file, cheap enough to run for every name a listing returns. PNG: the signature, IHDR
// (size, depth, colour type, interlace) and an eXIf chunk before the image data; JPEG:
// the markers up to the first scan (frame header, EXIF APP1). Nothing is decoded; the
// same libspng / libjpeg code as check_image_file (image_check.hpp) parses the header,
// stopped early. Not a validation: a file cut after its header still has facts.
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/image_facts.hpp"

namespace imgsh::proto {

struct HeaderLimits {
  // Nothing at or beyond this offset is read: a header that has not ended by then gives
  // no facts. JPEG APPn segments (EXIF, ICC, thumbnails) are at most 64 KiB each.
  std::uint64_t max_bytes = 1024 * 1024;
  // One pread of this much covers the headers of nearly every file.
  std::size_t buffer_bytes = 16 * 1024;
};

// The facts of the file behind `fd` (read with pread from offset 0; the descriptor's
// offset is neither used nor moved), or nullopt when it is not the image its `name`
// promises or its header cannot be read within the limits. Never throws for bad content.
std::optional<ImageFacts> read_image_header(int fd, std::string_view name, const HeaderLimits& limits = {});

}  // namespace imgsh::proto
