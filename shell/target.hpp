#pragma once
// Where to connect: "HOST:PORT", "[IPv6]:PORT", or the classic "HOST PORT";
// written "imgs://HOST:PORT", the connection is TLS. Without ":PORT" ("HOST",
// "[IPv6]"), the default port, 7070.
#include <optional>
#include <string>
#include <string_view>

namespace imgsh::shell {

struct Target {
  std::string host;
  std::string port;
  bool tls = false;  // the target was written imgs://...
};

// 1..65535, digits only.
bool is_valid_port(std::string_view text);

// Parses "HOST[:PORT]" or "[ADDR][:PORT]", each optionally prefixed "imgs://"
// (TLS); on failure `error` says why.
std::optional<Target> parse_target(std::string_view text, std::string& error);

}  // namespace imgsh::shell
