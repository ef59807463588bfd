#pragma once
// The decoders behind check_image_file (image_check.cpp), one per format. Each reads
// the file from offset 0 with pread and returns its facts or a problem whose message
// does not yet name the file (check_image_file puts the name in front).
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/file_growth.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {

// `sink`, when given, also receives the decoded pixels row by row (thumbnails,
// image_thumbnail.hpp); without one the rows are decoded and dropped (validation).
// `growth`, when given: the file is still being written (file_growth.hpp).
ImageCheck check_png(int fd, const ImageLimits& limits, RowSink* sink = nullptr,
                     FileGrowth* growth = nullptr);  // png_check.cpp, libspng
ImageCheck check_jpeg(int fd, const ImageLimits& limits, RowSink* sink = nullptr,
                      FileGrowth* growth = nullptr);  // jpeg_check.cpp, libjpeg(-turbo)

// The same decoders reading the header only (image_header.hpp): facts, or nullopt when the
// header cannot be read within the first `max_bytes` of the file.
std::optional<ImageFacts> read_png_header(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes);
std::optional<ImageFacts> read_jpeg_header(int fd, std::size_t buffer_bytes, std::uint64_t max_bytes);

// Helpers shared by both: a refusal, and the two limit messages.
ImageCheck refused(Errc code, std::string message);
// Empty when width x height is within the limit, else the too_large message naming them.
std::string pixel_limit_problem(std::uint64_t width, std::uint64_t height, const ImageLimits& limits);
std::string mebibytes(std::uint64_t bytes);  // "0.4 MiB"
std::string memory_limit_message(std::uint64_t needed, const ImageLimits& limits, const char* what);

}  // namespace imgsh::proto
