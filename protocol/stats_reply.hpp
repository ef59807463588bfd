#pragma once
// The stats op's reply: the server's counters since it started, as the
// server fills them (server/metrics.*) and the client reads them (imgsh
// stats). PROTOCOL.md section 3 ("stats") is its specification.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"

namespace imgsh::proto {

// Upper bounds, in seconds, of the request duration buckets: fixed and
// log-scale (1, 3, 10, ... per decade), the same on every server, so counts
// from several servers add up. A last bucket holds what is above them all.
inline constexpr double kDurationBounds[] = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100};
inline constexpr std::size_t kDurationBuckets = std::size(kDurationBounds) + 1;

struct OpStats {
  std::string op;
  std::uint64_t ok = 0;
  std::uint64_t fail = 0;
  double seconds = 0;                    // the durations' sum
  std::vector<std::uint64_t> durations;  // requests per bucket: duration_bounds.size() + 1
};

struct CodeCount {
  std::string code;
  std::uint64_t count = 0;
};

struct StatsReply {
  std::string server;
  double uptime_seconds = 0;
  std::uint64_t sessions_open = 0;
  std::uint64_t sessions_total = 0;  // accepted since start
  std::uint64_t bytes_received = 0;  // put bodies of requests that completed
  std::uint64_t bytes_sent = 0;      // reply bodies (get, list, thumb) of requests that completed
  // The bucket bounds of `durations` (kDurationBounds on a server of this version).
  std::vector<double> duration_bounds{std::begin(kDurationBounds), std::end(kDurationBounds)};
  std::vector<OpStats> ops;          // the ops requested at least once
  std::vector<CodeCount> errors;     // failed requests by code (those with a count)
};

nlohmann::json stats_reply(std::uint64_t id, const StatsReply& stats);
// Throws ProtocolError(bad_frame) when a field is malformed.
StatsReply parse_stats_reply(const Reply& reply);

}  // namespace imgsh::proto
