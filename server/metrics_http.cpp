#include "server/metrics_http.hpp"

#include <algorithm>

#include <spdlog/fmt/fmt.h>

namespace imgsh::server {
namespace {

constexpr HttpAnswer kBadRequest{400, "Bad Request"};

bool is_method(std::string_view m) {
  return !m.empty() && m.size() <= 16 && std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_target(std::string_view t) {
  return !t.empty() && t.size() <= 2048 && t.front() == '/' &&
         std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

HttpAnswer answer_request_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto first = line.find(' ');
  auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) return kBadRequest;
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  std::string_view version = line.substr(second + 1);
  if (!is_method(method) || !is_target(target) || (version != "HTTP/1.1" && version != "HTTP/1.0")) return kBadRequest;
  std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return {404, "Not Found"};
  if (method != "GET") return {405, "Method Not Allowed"};
  return {200, "OK", true};
}

}  // namespace

std::optional<HttpAnswer> answer_http_head(std::string_view head, bool ended) {
  auto line_end = head.find('\n');
  if (line_end == std::string_view::npos) {
    if (head.size() >= kMaxHttpHead) return HttpAnswer{431, "Request Header Fields Too Large"};
    return ended ? std::optional(kBadRequest) : std::nullopt;
  }
  HttpAnswer answer = answer_request_line(head.substr(0, line_end));
  if (answer.status == 400) return answer;
  // The request line is good: answer once the head is complete (a blank line).
  bool complete = head.find("\r\n\r\n") != std::string_view::npos || head.find("\n\n") != std::string_view::npos;
  if (complete) return answer;
  if (head.size() >= kMaxHttpHead) return HttpAnswer{431, "Request Header Fields Too Large"};
  return ended ? std::optional(kBadRequest) : std::nullopt;
}

std::string http_response(const HttpAnswer& answer, const std::string& body) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", answer.status, answer.reason);
  out += answer.metrics ? "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                        : "Content-Type: text/plain; charset=utf-8\r\n";
  if (answer.status == 405) out += "Allow: GET\r\n";
  out += fmt::format("Content-Length: {}\r\nConnection: close\r\n\r\n", body.size());
  out += body;
  return out;
}

}  // namespace imgsh::server
