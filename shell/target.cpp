#include "shell/target.hpp"

#include <algorithm>

namespace imgsh::shell {

bool is_valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  unsigned long value = std::stoul(std::string(text));
  return value >= 1 && value <= 65535;
}

std::optional<Target> parse_target(std::string_view text, std::string& error) {
  Target t;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "'" + std::string(text) + "' is not [ADDRESS]:PORT";
      return std::nullopt;
    }
    t.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "'" + std::string(text) + "' is not HOST:PORT";
      return std::nullopt;
    }
    t.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!is_valid_port(port)) {
    error = "invalid port '" + std::string(port) + "': must be a number from 1 to 65535";
    return std::nullopt;
  }
  t.port = port;
  return t;
}

}  // namespace imgsh::shell
