#include "shell/protocol_trace.hpp"

#include <cstdio>
#include <string>

namespace imgsh::shell {
namespace {

bool enabled = false;

void trace(const char* direction, const nlohmann::json& header, std::uint64_t body_len) {
  if (!enabled) return;
  std::string line = std::string("imgsh: ") + direction + " " + header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (body_len > 0) line += " + " + std::to_string(body_len) + " bytes";
  line += "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

void enable_protocol_trace() { enabled = true; }
void trace_frame_sent(const nlohmann::json& header, std::uint64_t body_len) { trace(">", header, body_len); }
void trace_frame_received(const nlohmann::json& header, std::uint64_t body_len) { trace("<", header, body_len); }

}  // namespace imgsh::shell
