#pragma once
// What the metrics endpoint answers to a request head: only GET /metrics is
// served; everything else gets its HTTP status and no figures. Pure text in,
// answer out: the endpoint (metrics_endpoint.*) does the I/O.
#include <optional>
#include <string>
#include <string_view>

namespace imgsh::server {

inline constexpr std::size_t kMaxHttpHead = 8192;  // a request head longer than this is refused 431

struct HttpAnswer {
  int status = 200;
  std::string_view reason = "OK";
  bool metrics = false;  // 200: the body is the figures
};

// `head` as read so far. nullopt: wait for more bytes (the head is not
// complete and nothing is wrong yet). A malformed request line is answered
// as soon as it is complete, without waiting for the rest of the head.
// `ended`: the client sent nothing more (EOF): whatever is there is answered.
std::optional<HttpAnswer> answer_http_head(std::string_view head, bool ended);

// The whole response, Connection: close, for `answer` with `body` (the
// figures for a 200, else a one-line text).
std::string http_response(const HttpAnswer& answer, const std::string& body);

}  // namespace imgsh::server
