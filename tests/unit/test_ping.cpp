// The ping handler (server/handlers.cpp): its reply names the server and the
// number of open sessions the listener counts, and it opens no session.
#include <atomic>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "protocol/version.hpp"
#include "server/handlers.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

TEST(PingHandler, RepliesWithTheServerNameAndTheOpenSessionCount) {
  testing::ScratchDir dir;
  auto store = open_local_store({dir.path(), false}).store;
  ServerOptions options;
  std::atomic<std::size_t> sessions{3};
  ServerContext server{*store, options, nullptr, &sessions};
  asio::io_context io;
  proto::NetStream stream{asio::ip::tcp::socket(io)};  // never touched: ping needs no connection
  proto::FrameReader<proto::NetStream> reader(stream);
  RequestContext ctx{stream, reader, server, {}, 41, 0};

  Outcome outcome = testing::run_awaitable(handle_ping(ctx, proto::Ping{}));
  EXPECT_EQ(outcome.reply, (nlohmann::json{{"id", 41}, {"status", "ok"}, {"server", "imgsrv/" IMGSH_VERSION},
                                           {"sessions", 3}}));
  EXPECT_EQ(outcome.log, "3 sessions");
  EXPECT_FALSE(outcome.refused);
  EXPECT_FALSE(outcome.close);
  EXPECT_FALSE(outcome.opened) << "a ping does not open the session";

  sessions = 1;
  EXPECT_EQ(testing::run_awaitable(handle_ping(ctx, proto::Ping{})).reply.at("sessions"), 1);
}

TEST(PingRequest, ParsesWithoutFieldsAndRoundTrips) {
  std::uint64_t id = 0;
  proto::Request request = proto::parse_request({{"op", "ping"}, {"id", 5u}}, id);
  EXPECT_TRUE(std::holds_alternative<proto::Ping>(request.body));
  EXPECT_EQ(id, 5u);
  EXPECT_EQ(proto::to_header(request), (nlohmann::json{{"op", "ping"}, {"id", 5u}}));
}

}  // namespace
}  // namespace imgsh::server
