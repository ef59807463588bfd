#pragma once
// The server's counters in the Prometheus text exposition format (version
// 0.0.4), for GET /metrics (metrics_endpoint.hpp). Written by hand: the format
// is a few lines of text per figure, and Debian's prometheus-cpp would serve it
// through its own civetweb HTTP server and threads, beside asio.
#include <string>

#include "protocol/stats_reply.hpp"

namespace imgsh::server {

// Every label value comes from a fixed set (op table names, error codes), so
// nothing a client sent reaches the text.
std::string prometheus_text(const proto::StatsReply& stats);

}  // namespace imgsh::server
