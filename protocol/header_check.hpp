#pragma once
// The cheap check of a stored file's header (issue 13, item 3): the sniff plus a parse of
// the first bytes — PNG: signature, then an IHDR chunk of 13 bytes with a valid CRC, a
// non-zero size and a legal depth / colour type; JPEG: SOI, then a marker segment with a
// length. No decoder runs: this is what a listing can afford for every name it returns.
// Full validation is check_image_file's job (image_check.hpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace imgsh::proto {

// Bytes the check reads from offset 0 (a shorter file is judged on what it has).
inline constexpr std::size_t kImageHeaderBytes = 33;

// nullopt when the header is a plausible header of the kind `name` promises; otherwise
// why not, for a person, starting with the name.
std::optional<std::string> image_header_problem(std::string_view name, std::span<const std::uint8_t> head);

}  // namespace imgsh::proto
