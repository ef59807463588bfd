// The stats op: the server's counters (metrics.hpp) as they stand. Any
// session after hello may ask, a read-only token's too: the figures are
// aggregate counts with no file name, client address or token label in them,
// the same the --metrics-listen endpoint gives without any token.
#include "protocol/stats_reply.hpp"
#include "protocol/version.hpp"
#include "server/handlers.hpp"

namespace imgsh::server {

asio::awaitable<Outcome> handle_stats(RequestContext& ctx, const proto::Stats&) {
  proto::StatsReply stats;
  if (ctx.server.metrics) {
    stats = ctx.server.metrics->snapshot("imgsrv/" IMGSH_VERSION);
  } else {
    stats.server = "imgsrv/" IMGSH_VERSION;  // a server without counters (unit tests): all zero
  }
  std::uint64_t requests = 0;
  for (const auto& op : stats.ops) requests += op.ok + op.fail;
  co_return succeeded(proto::stats_reply(ctx.id, stats), std::to_string(requests) + " requests counted");
}

}  // namespace imgsh::server
