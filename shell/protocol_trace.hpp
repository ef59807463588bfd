#pragma once
// imgsh -v: one line on stderr per frame header sent or received.
#include <cstdint>

#include <nlohmann/json.hpp>

namespace imgsh::shell {

void enable_protocol_trace();
void trace_frame_sent(const nlohmann::json& header, std::uint64_t body_len);
void trace_frame_received(const nlohmann::json& header, std::uint64_t body_len);

}  // namespace imgsh::shell
