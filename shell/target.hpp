#pragma once
// Where to connect: "HOST:PORT", "[IPv6]:PORT", or the classic "HOST PORT".
#include <optional>
#include <string>
#include <string_view>

namespace imgsh::shell {

struct Target {
  std::string host;
  std::string port;
};

// 1..65535, digits only.
bool is_valid_port(std::string_view text);

// Parses "HOST:PORT" or "[ADDR]:PORT"; on failure `error` says why.
std::optional<Target> parse_target(std::string_view text, std::string& error);

}  // namespace imgsh::shell
