#pragma once
// The summary line of one request, in text or JSON (--log-format):
//   <client> <op> [<name>] ok <message> bytes=<n> ms=<d> [token=<label>]
//   <client> <op> [<name>] fail <code>: <message> bytes=<n> ms=<d> [token=<label>]
// Every text field must already be log-safe (log_text.hpp).
#include <cstdint>
#include <string_view>

#include <spdlog/common.h>

namespace imgsh::server {

struct RequestRecord {
  std::string_view client;
  std::string_view op;
  std::string_view name;     // empty: the op names no file
  std::string_view code;     // empty: ok
  std::string_view message;
  std::uint64_t bytes = 0;   // body bytes moved: received for put, sent for get and list
  double duration_ms = 0;
  std::string_view token;    // the session's token label; empty without a token file
};

void log_request(spdlog::level::level_enum level, const RequestRecord& record);

}  // namespace imgsh::server
