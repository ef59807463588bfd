#pragma once
// Name rules shared by both ends: what a stored file may be called.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error_code.hpp"

namespace imgsh::proto {

inline constexpr std::size_t kMaxNameBytes = 255;

enum class ImageKind { unknown, png, jpeg };

struct NameProblem {
  Errc code;            // invalid_name or unsupported_type
  std::string message;  // for a person, names the offending name
};

// nullopt when `name` may be stored: 1..255 bytes of valid UTF-8 in Unicode NFC, no
// '/', '\', NUL or control characters, no format characters (Unicode category Cf:
// bidi controls, zero-width characters) or line/paragraph separators, no leading '.',
// extension .jpg/.jpeg/.png (any case). Look-alike names are refused, never stored.
std::optional<NameProblem> check_name(std::string_view name);

// The image kind an allowed extension promises (case-insensitive), or unknown.
ImageKind kind_from_extension(std::string_view name);

bool is_valid_utf8(std::string_view text);

}  // namespace imgsh::proto
