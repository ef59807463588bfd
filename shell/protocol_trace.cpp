#include "shell/protocol_trace.hpp"

#include <cstdio>
#include <string>

#include "protocol/display_text.hpp"

namespace imgsh::shell {
namespace {

bool enabled = false;

void trace(const char* direction, const nlohmann::json& header, std::uint64_t body_len) {
  if (!enabled) return;
  // A trace is pasted into bug reports: the token (hello's) never appears in it.
  nlohmann::json shown = header;
  if (shown.is_object() && shown.contains("token")) shown["token"] = "<redacted>";
  std::string dumped = shown.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // A received header is the server's text: escaped, so it cannot rewrite the terminal.
  std::string line = std::string("imgsh: ") + direction + " " + proto::escape_for_display(dumped);
  if (body_len > 0) line += " + " + std::to_string(body_len) + " bytes";
  line += "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

void enable_protocol_trace() { enabled = true; }
void trace_frame_sent(const nlohmann::json& header, std::uint64_t body_len) { trace(">", header, body_len); }
void trace_frame_received(const nlohmann::json& header, std::uint64_t body_len) { trace("<", header, body_len); }

}  // namespace imgsh::shell
