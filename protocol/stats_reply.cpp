#include "protocol/stats_reply.hpp"

#include <algorithm>

namespace imgsh::proto {
namespace {

using json = nlohmann::json;

[[noreturn]] void malformed(const std::string& what) {
  throw ProtocolError(Errc::bad_frame, "malformed stats reply: " + what);
}

const json& need(const json& j, const char* key, json::value_t type) {
  auto it = j.find(key);
  bool ok = it != j.end() && (it->type() == type || (type == json::value_t::number_float && it->is_number()));
  if (!ok) malformed(std::string("field '") + key + "' missing or of the wrong type");
  return *it;
}

std::uint64_t need_count(const json& j) {
  if (!j.is_number_unsigned()) malformed("a count is not an unsigned integer");
  return j.get<std::uint64_t>();
}



}  // namespace

nlohmann::json stats_reply(std::uint64_t id, const StatsReply& stats) {
  json h = ok_reply(id);
  h["server"] = stats.server;
  h["uptime_seconds"] = stats.uptime_seconds;
  h["sessions"] = {{"open", stats.sessions_open}, {"total", stats.sessions_total}};
  h["bytes"] = {{"received", stats.bytes_received}, {"sent", stats.bytes_sent}};
  h["duration_buckets"] = stats.duration_bounds;
  json ops = json::object();
  for (const auto& op : stats.ops) {
    ops[op.op] = {{"ok", op.ok}, {"fail", op.fail}, {"seconds", op.seconds}, {"durations", op.durations}};
  }
  h["requests"] = std::move(ops);
  json errors = json::object();
  for (const auto& e : stats.errors) errors[e.code] = e.count;
  h["errors"] = std::move(errors);
  return h;
}

StatsReply parse_stats_reply(const Reply& reply) {
  const json& h = reply.fields;
  StatsReply stats;
  try {
    stats.server = need(h, "server", json::value_t::string).get<std::string>();
    stats.uptime_seconds = need(h, "uptime_seconds", json::value_t::number_float).get<double>();
    const json& sessions = need(h, "sessions", json::value_t::object);
    stats.sessions_open = need_count(sessions.value("open", json()));
    stats.sessions_total = need_count(sessions.value("total", json()));
    const json& bytes = need(h, "bytes", json::value_t::object);
    stats.bytes_received = need_count(bytes.value("received", json()));
    stats.bytes_sent = need_count(bytes.value("sent", json()));
    stats.duration_bounds.clear();
    for (const auto& b : need(h, "duration_buckets", json::value_t::array)) {
      if (!b.is_number() || stats.duration_bounds.size() >= 64) malformed("duration_buckets is not a short list of numbers");
      stats.duration_bounds.push_back(b.get<double>());
    }
    for (const auto& [op, fields] : need(h, "requests", json::value_t::object).items()) {
      if (!fields.is_object()) malformed("requests of op " + op + " is not an object");
      OpStats s{op, need_count(fields.value("ok", json())), need_count(fields.value("fail", json())),
                need(fields, "seconds", json::value_t::number_float).get<double>(), {}};
      const json& durations = need(fields, "durations", json::value_t::array);
      if (durations.size() != stats.duration_bounds.size() + 1) malformed("durations of op " + op + " have the wrong length");
      for (const auto& d : durations) s.durations.push_back(need_count(d));
      stats.ops.push_back(std::move(s));
    }
    for (const auto& [code, count] : need(h, "errors", json::value_t::object).items()) {
      stats.errors.push_back({code, need_count(count)});
    }
  } catch (const json::exception& e) {
    malformed(e.what());
  }
  return stats;
}

}  // namespace imgsh::proto
