#include "server/metrics.hpp"

#include <algorithm>

#include "protocol/error_code.hpp"
#include "server/op_table.hpp"

namespace imgsh::server {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Failures the session names itself, besides the wire's error codes.
constexpr std::string_view kSessionCodes[] = {"connection_lost", "cancelled"};

std::size_t bucket_of(double seconds) {
  const auto* bound = std::lower_bound(std::begin(proto::kDurationBounds), std::end(proto::kDurationBounds), seconds);
  return static_cast<std::size_t>(bound - std::begin(proto::kDurationBounds));
}

}  // namespace

Metrics::Metrics() : started_(std::chrono::steady_clock::now()) {
  for (const auto& row : op_table()) op_names_.push_back(row.op);
  op_names_.push_back("unknown");
  ops_ = std::make_unique<OpSlot[]>(op_names_.size());
  // Every wire code: to_string knows them all, and errc_from_string gives each back.
  for (int i = 0; i < 256; ++i) {
    auto name = proto::to_string(static_cast<proto::Errc>(i));
    if (proto::errc_from_string(name) != static_cast<proto::Errc>(i)) break;
    code_names_.push_back(name);
  }
  for (auto code : kSessionCodes) code_names_.push_back(code);
  code_names_.push_back("other");
  errors_ = std::make_unique<Counter[]>(code_names_.size());
}

std::size_t Metrics::op_index(std::string_view op) const {
  auto it = std::find(op_names_.begin(), op_names_.end() - 1, op);
  return static_cast<std::size_t>(it - op_names_.begin());  // not found: the last, "unknown"
}

std::size_t Metrics::code_index(std::string_view code) const {
  auto it = std::find(code_names_.begin(), code_names_.end() - 1, code);
  return static_cast<std::size_t>(it - code_names_.begin());
}

void Metrics::request_done(std::string_view op, std::string_view code, std::uint64_t body_bytes,
                           std::chrono::steady_clock::duration took) {
  OpSlot& slot = ops_[op_index(op)];
  (code.empty() ? slot.ok : slot.fail).fetch_add(1, kRelaxed);
  if (!code.empty()) errors_[code_index(code)].fetch_add(1, kRelaxed);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
  slot.nanoseconds.fetch_add(static_cast<std::uint64_t>(std::max<decltype(ns)>(ns, 0)), kRelaxed);
  slot.durations[bucket_of(std::chrono::duration<double>(took).count())].fetch_add(1, kRelaxed);
  if (body_bytes > 0) (op == "put" ? bytes_received_ : bytes_sent_).fetch_add(body_bytes, kRelaxed);
}

void Metrics::session_opened() {
  sessions_open_.fetch_add(1, kRelaxed);
  sessions_total_.fetch_add(1, kRelaxed);
}

void Metrics::session_closed() { sessions_open_.fetch_sub(1, kRelaxed); }

proto::StatsReply Metrics::snapshot(std::string server) const {
  proto::StatsReply s;
  s.server = std::move(server);
  s.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  s.sessions_open = sessions_open_.load(kRelaxed);
  s.sessions_total = sessions_total_.load(kRelaxed);
  s.bytes_received = bytes_received_.load(kRelaxed);
  s.bytes_sent = bytes_sent_.load(kRelaxed);
  for (std::size_t i = 0; i < op_names_.size(); ++i) {
    const OpSlot& slot = ops_[i];
    proto::OpStats op{std::string(op_names_[i]), slot.ok.load(kRelaxed), slot.fail.load(kRelaxed),
                      static_cast<double>(slot.nanoseconds.load(kRelaxed)) / 1e9, {}};
    if (op.ok + op.fail == 0) continue;
    for (const auto& d : slot.durations) op.durations.push_back(d.load(kRelaxed));
    s.ops.push_back(std::move(op));
  }
  for (std::size_t i = 0; i < code_names_.size(); ++i) {
    if (auto n = errors_[i].load(kRelaxed)) s.errors.push_back({std::string(code_names_[i]), n});
  }
  return s;
}

}  // namespace imgsh::server
