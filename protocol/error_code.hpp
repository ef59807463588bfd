#pragma once
// The stable, machine-readable error codes of the wire contract (DESIGN.md).
// Codes may be added; existing strings never change.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace imgsh::proto {

enum class Errc {
  bad_frame,
  bad_request,
  unknown_op,
  invalid_name,
  unsupported_type,
  not_an_image,
  empty_file,
  exists,
  not_found,
  too_large,
  no_space,
  busy,
  timeout,
  internal,
  checksum_mismatch,
  unauthorized,  // a token is required and was missing or wrong
  forbidden,     // the token does not grant this op (put with a read-only token)
  tls_required,  // a plain connection to a server that only speaks TLS
};

std::string_view to_string(Errc code);
std::optional<Errc> errc_from_string(std::string_view text);

// Thrown where a request or frame cannot be honoured; carries the code that
// goes into the error reply.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const { return code_; }

 private:
  Errc code_;
};

}  // namespace imgsh::proto
