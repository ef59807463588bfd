#pragma once
// The one rule for a TCP port given by a person, shared by both ends:
// digits only, 1..65535 ("7070x", "0" and "+1" are errors, not surprises).
// A server may also listen on 0, "any free port", which no client can reach.
#include <cstdint>
#include <optional>
#include <string_view>

namespace imgsh::proto {

// The port both programs use when none is given (imgsrv listens on it, imgsh
// connects to it): `imgsh photos.example` works as `ssh photos.example` does.
inline constexpr std::uint16_t kDefaultPort = 7070;

// 0..65535, digits only.
inline std::optional<std::uint16_t> parse_listen_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// 1..65535, digits only: a port to connect to.
inline std::optional<std::uint16_t> parse_port(std::string_view text) {
  auto port = parse_listen_port(text);
  if (port == 0) return std::nullopt;
  return port;
}

}  // namespace imgsh::proto
