#include "protocol/error_code.hpp"

#include <array>
#include <utility>

namespace imgsh::proto {
namespace {

constexpr std::array<std::pair<Errc, std::string_view>, 18> kNames{{
    {Errc::bad_frame, "bad_frame"},
    {Errc::bad_request, "bad_request"},
    {Errc::unknown_op, "unknown_op"},
    {Errc::invalid_name, "invalid_name"},
    {Errc::unsupported_type, "unsupported_type"},
    {Errc::not_an_image, "not_an_image"},
    {Errc::empty_file, "empty_file"},
    {Errc::exists, "exists"},
    {Errc::not_found, "not_found"},
    {Errc::too_large, "too_large"},
    {Errc::no_space, "no_space"},
    {Errc::busy, "busy"},
    {Errc::timeout, "timeout"},
    {Errc::internal, "internal"},
    {Errc::checksum_mismatch, "checksum_mismatch"},
    {Errc::unauthorized, "unauthorized"},
    {Errc::forbidden, "forbidden"},
    {Errc::tls_required, "tls_required"},
}};

}  // namespace

std::string_view to_string(Errc code) {
  for (const auto& [c, name] : kNames) {
    if (c == code) return name;
  }
  return "internal";
}

std::optional<Errc> errc_from_string(std::string_view text) {
  for (const auto& [c, name] : kNames) {
    if (name == text) return c;
  }
  return std::nullopt;
}

}  // namespace imgsh::proto
