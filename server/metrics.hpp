#pragma once
// The server's counters, kept lock-free: every figure is a relaxed
// std::atomic, bumped by the thread that served the request, read by
// snapshot() without stopping anyone (a snapshot's figures are each exact,
// not all taken at one instant). One call per request outcome (Session), one
// per session opened and closed (Listener). Read by the stats op
// (stats_handler.cpp) and the Prometheus endpoint (metrics_endpoint.*).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/stats_reply.hpp"

namespace imgsh::server {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A request ended. `op` as the client sent it (an op not in the op table
  // counts as "unknown", so a client cannot make up label values); `code`
  // empty for ok, else the error code (a wire code or connection_lost,
  // cancelled); `body_bytes` the body it moved (put: received,
  // others: sent).
  void request_done(std::string_view op, std::string_view code, std::uint64_t body_bytes,
                    std::chrono::steady_clock::duration took);
  void session_opened();
  void session_closed();

  proto::StatsReply snapshot(std::string server) const;

 private:
  using Counter = std::atomic<std::uint64_t>;
  struct OpSlot {
    Counter ok{0};
    Counter fail{0};
    Counter nanoseconds{0};
    std::array<Counter, proto::kDurationBuckets> durations{};
  };
  std::size_t op_index(std::string_view op) const;
  std::size_t code_index(std::string_view code) const;

  std::chrono::steady_clock::time_point started_;
  std::vector<std::string_view> op_names_;  // the op table's, then "unknown"
  std::unique_ptr<OpSlot[]> ops_;
  std::vector<std::string_view> code_names_;  // every wire code, then the session's own, then "other"
  std::unique_ptr<Counter[]> errors_;
  Counter sessions_open_{0};
  Counter sessions_total_{0};
  Counter bytes_received_{0};
  Counter bytes_sent_{0};
};

}  // namespace imgsh::server
