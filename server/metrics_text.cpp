#include "server/metrics_text.hpp"

#include <spdlog/fmt/fmt.h>

namespace imgsh::server {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string prometheus_text(const proto::StatsReply& s) {
  std::string out;
  family(out, "imgsrv_uptime_seconds", "gauge", "Seconds since the server started.");
  out += fmt::format("imgsrv_uptime_seconds {:.3f}\n", s.uptime_seconds);
  family(out, "imgsrv_sessions_open", "gauge", "Client sessions open now.");
  out += fmt::format("imgsrv_sessions_open {}\n", s.sessions_open);
  family(out, "imgsrv_sessions_total", "counter", "Client sessions accepted since start.");
  out += fmt::format("imgsrv_sessions_total {}\n", s.sessions_total);
  family(out, "imgsrv_received_bytes_total", "counter", "Put body bytes of completed requests.");
  out += fmt::format("imgsrv_received_bytes_total {}\n", s.bytes_received);
  family(out, "imgsrv_sent_bytes_total", "counter", "Reply body bytes (get, list, thumb) of completed requests.");
  out += fmt::format("imgsrv_sent_bytes_total {}\n", s.bytes_sent);
  family(out, "imgsrv_requests_total", "counter", "Requests answered, by op and result.");
  for (const auto& op : s.ops) {
    out += fmt::format("imgsrv_requests_total{{op=\"{}\",result=\"ok\"}} {}\n", op.op, op.ok);
    out += fmt::format("imgsrv_requests_total{{op=\"{}\",result=\"fail\"}} {}\n", op.op, op.fail);
  }
  family(out, "imgsrv_errors_total", "counter", "Failed requests, by error code.");
  for (const auto& e : s.errors) out += fmt::format("imgsrv_errors_total{{code=\"{}\"}} {}\n", e.code, e.count);
  family(out, "imgsrv_request_duration_seconds", "histogram", "Request durations, from request header to reply sent.");
  for (const auto& op : s.ops) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < op.durations.size(); ++i) {
      cumulative += op.durations[i];
      std::string le = i < s.duration_bounds.size() ? fmt::format("{:g}", s.duration_bounds[i]) : "+Inf";
      out += fmt::format("imgsrv_request_duration_seconds_bucket{{op=\"{}\",le=\"{}\"}} {}\n", op.op, le, cumulative);
    }
    out += fmt::format("imgsrv_request_duration_seconds_sum{{op=\"{}\"}} {:.6f}\n", op.op, op.seconds);
    out += fmt::format("imgsrv_request_duration_seconds_count{{op=\"{}\"}} {}\n", op.op, cumulative);
  }
  return out;
}

}  // namespace imgsh::server
