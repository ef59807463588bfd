#include "shell/target.hpp"

#include "protocol/port_number.hpp"

namespace imgsh::shell {
namespace {

// "BEFORE'TEXT'AFTER", built by appending: g++ 12 at -O3 reports a false
// -Wrestrict for "literal" + std::string (GCC bug 105329), which broke Release builds.
std::string quoted(std::string_view before, std::string_view text, std::string_view after) {
  std::string message;
  message.reserve(before.size() + text.size() + after.size() + 2);
  message += before;
  message += '\'';
  message += text;
  message += '\'';
  message += after;
  return message;
}

}  // namespace

bool is_valid_port(std::string_view text) { return proto::parse_port(text).has_value(); }

std::optional<Target> parse_target(std::string_view text, std::string& error) {
  Target t;
  constexpr std::string_view kTlsScheme = "imgs://";
  if (text.starts_with(kTlsScheme)) {
    t.tls = true;
    text.remove_prefix(kTlsScheme.size());
  }
  std::string_view port;
  const std::string default_port = std::to_string(proto::kDefaultPort);
  if (text.starts_with('[')) {
    auto close = text.find(']');
    bool bare = close != std::string_view::npos && close + 1 == text.size() && close > 1;  // [ADDRESS]
    if (!bare && (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')) {
      error = quoted("", text, " is not [ADDRESS]:PORT");
      return std::nullopt;
    }
    t.host = text.substr(1, close - 1);
    port = bare ? std::string_view(default_port) : text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == 0 || text.empty()) {
      error = quoted("", text, " is not HOST:PORT");
      return std::nullopt;
    }
    bool bare = colon == std::string_view::npos;  // HOST: the default port
    t.host = text.substr(0, colon);
    port = bare ? std::string_view(default_port) : text.substr(colon + 1);
  }
  if (!is_valid_port(port)) {
    error = quoted("invalid port ", port, ": must be a number from 1 to 65535");
    return std::nullopt;
  }
  t.port = port;
  return t;
}

}  // namespace imgsh::shell
