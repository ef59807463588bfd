#include "shell/stats_command.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "protocol/display_text.hpp"
#include "protocol/stats_reply.hpp"
#include "shell/remote_op.hpp"

namespace imgsh::shell {
namespace {

std::string uptime_text(double seconds) {
  auto s = static_cast<long long>(seconds);
  std::ostringstream out;
  if (s < 60) {
    out << s << "s";
  } else if (s < 3600) {
    out << s / 60 << "m " << s % 60 << "s";
  } else if (s < 86400) {
    out << s / 3600 << "h " << s % 3600 / 60 << "m";
  } else {
    out << s / 86400 << "d " << s % 86400 / 3600 << "h";
  }
  return out.str();
}

// A bucket's upper bound: "3ms", "10s".
std::string bound_text(double seconds) {
  std::ostringstream out;
  if (seconds < 1) {
    out << std::llround(seconds * 1000) << "ms";
  } else {
    out << std::llround(seconds) << "s";
  }
  return out.str();
}

// Everything in the table came from the server: escaped before it reaches the terminal.
std::string format_stats(const proto::StatsReply& s) {
  std::ostringstream out;
  out << "server:    " << proto::escape_for_display(s.server) << ", up " << uptime_text(s.uptime_seconds) << "\n";
  out << "sessions:  " << s.sessions_open << " open, " << s.sessions_total << " since start\n";
  out << "bytes:     " << s.bytes_received << " received (put), " << s.bytes_sent << " sent (get, list, thumb)\n";
  out << std::left << std::setw(10) << "op" << std::right << " " << std::setw(8) << "ok" << " " << std::setw(8)
      << "fail" << " " << std::setw(10) << "mean ms" << "\n";
  for (const auto& op : s.ops) {
    std::uint64_t n = op.ok + op.fail;
    double mean = n ? op.seconds * 1000 / static_cast<double>(n) : 0.0;
    out << std::left << std::setw(10) << proto::escape_for_display(op.op) << std::right << " " << std::setw(8) << op.ok
        << " " << std::setw(8) << op.fail << " " << std::setw(10) << std::fixed << std::setprecision(1) << mean
        << std::defaultfloat << "\n";
  }
  if (!s.errors.empty()) {
    out << "errors:\n";
    for (const auto& e : s.errors) {
      out << "  " << std::left << std::setw(18) << proto::escape_for_display(e.code) << std::right << " " << std::setw(8)
          << e.count << "\n";
    }
  }
  if (!s.ops.empty()) {
    out << "durations (requests per bucket, each up to its bound):\n  " << std::left << std::setw(10) << "op" << std::right;
    for (double b : s.duration_bounds) out << " " << std::setw(6) << bound_text(b);
    out << " " << std::setw(6) << "more" << "\n";
    for (const auto& op : s.ops) {
      out << "  " << std::left << std::setw(10) << proto::escape_for_display(op.op) << std::right;
      for (auto count : op.durations) out << " " << std::setw(6) << count;
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace

bool cmd_stats(ShellContext& ctx, const std::vector<std::string>&) {
  return remote_op(ctx, "stats", "", [&] {
    proto::StatsReply stats = ctx.client.stats();
    std::uint64_t requests = 0;
    for (const auto& op : stats.ops) requests += op.ok + op.fail;
    if (ctx.reporter.json()) {
      nlohmann::json fields = proto::stats_reply(0, stats);
      for (const char* key : {"server", "uptime_seconds", "sessions", "bytes", "duration_buckets", "requests", "errors"}) {
        ctx.reporter.attach(key, fields[key]);
      }
    } else {
      std::cout << format_stats(stats) << std::flush;
    }
    return std::to_string(requests) + " requests since the server started";
  });
}

}  // namespace imgsh::shell
