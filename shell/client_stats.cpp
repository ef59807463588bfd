// Client::stats: the server's counters (the stats op), one request without a
// body answered at once: bound by the query deadline like list and stat.
#include "protocol/stats_reply.hpp"
#include "shell/client.hpp"
#include "shell/query_deadline.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {

proto::StatsReply Client::stats() {
  proto::RequestBody stats = proto::Stats{};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  return conn_.run([&]() -> asio::awaitable<proto::StatsReply> {
    proto::Reply reply = co_await request(conn_, stats);
    co_return proto::parse_stats_reply(reply);
  }());
}

}  // namespace imgsh::shell
