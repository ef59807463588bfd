#pragma once
// Capture facts from an EXIF block, read with libexif: DateTimeOriginal, Orientation and
// the camera Model. The block is a TIFF structure ("II*\0" or "MM\0*" ...), as it follows
// "Exif\0\0" in a JPEG's APP1 segment or fills a PNG's eXIf chunk.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/image_facts.hpp"

namespace imgsh::proto {

// Sets capture_time, orientation and camera_model in `facts` for each one the block
// holds in a well-formed way; anything missing, malformed or unreadable is left unset
// (EXIF is commentary: a broken block does not make the image invalid).
void read_exif_facts(std::span<const std::uint8_t> tiff, ImageFacts& facts);

// "YYYY:MM:DD HH:MM:SS" (EXIF's form) as "YYYY-MM-DDTHH:MM:SS"; nullopt when malformed
// or blank (cameras write "    :  :     :  :  " or zeros when the clock is unset).
std::optional<std::string> exif_time_to_iso(std::string_view text);

// EXIF ASCII as shown to a person: up to the first NUL, trailing spaces trimmed, only
// printable ASCII kept (it reaches terminals and JSON), at most 64 bytes; nullopt when
// nothing is left.
std::optional<std::string> exif_printable(std::string_view text);

}  // namespace imgsh::proto
