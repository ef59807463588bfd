#include "server/request_log.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/logging.hpp"

namespace imgsh::server {

namespace {

// A request the client cancelled has its own word: neither it nor the server failed.
constexpr std::string_view kCancelled = "cancelled";

std::string_view result_word(std::string_view code) { return code.empty() ? "ok" : code == kCancelled ? kCancelled : "fail"; }

}  // namespace

void log_request(spdlog::level::level_enum level, const RequestRecord& r) {
  if (!spdlog::should_log(level)) return;
  if (log_format() == LogFormat::json) {
    nlohmann::json fields = {{"client", r.client},
                             {"op", r.op},
                             {"result", result_word(r.code)},
                             {"message", r.message},
                             {"bytes", r.bytes},
                             {"duration_ms", static_cast<double>(static_cast<long long>(r.duration_ms * 10)) / 10}};
    if (!r.name.empty()) fields["name"] = r.name;
    if (!r.code.empty()) fields["code"] = r.code;
    if (!r.token.empty()) fields["token"] = r.token;
    spdlog::log(level, "{}", structured_payload(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return;
  }
  std::string token = r.token.empty() ? "" : fmt::format(" token={}", r.token);
  std::string what = r.name.empty() ? std::string(r.op) : fmt::format("{} {}", r.op, r.name);
  if (r.code.empty() || r.code == kCancelled) {
    spdlog::log(level, "{} {} {} {} bytes={} ms={:.1f}{}", r.client, what, result_word(r.code), r.message, r.bytes,
                r.duration_ms, token);
  } else {
    spdlog::log(level, "{} {} fail {}: {} bytes={} ms={:.1f}{}", r.client, what, r.code, r.message, r.bytes,
                r.duration_ms, token);
  }
}

}  // namespace imgsh::server
