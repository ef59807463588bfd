// The put exchange (server/put_exchange.*) over a real loopback TCP socket
// pair: a client coroutine sends frames as imgsh (or a broken client) would,
// the server side runs handle_put on a local store in a scratch directory and
// sends its outcome's reply, as the session does. Each case asserts the exact
// error code, whether the stream stays in step, and what was stored.
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "image_test_support.hpp"

#include "protocol/frame_stream.hpp"
#include "server/graceful_close.hpp"
#include "server/put_exchange.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

using asio::ip::tcp;
using proto::Errc;
using testing::ScratchDir;
using testing::xxh3_of;

constexpr std::uint64_t kId = 7;
constexpr auto kDeadline = std::chrono::seconds(10);

// A real PNG of exactly `size` bytes (at least about 90): 2 x 2 gray pixels, then a tEXt chunk
// that pads it; the server decodes every put before it stores it.
std::vector<std::uint8_t> png_bytes(std::size_t size) {
  using proto::test_support::Bytes;
  using proto::test_support::png_chunk;
  Bytes png = proto::test_support::hand_png(2, 2, 8, 0, 1);
  Bytes iend(png.end() - 12, png.end());
  png.resize(png.size() - 12);
  std::size_t pad = size - png.size() - 12 - 12;  // a chunk costs 12 bytes around its data
  Bytes text = proto::test_support::to_bytes("Comment");
  text.push_back(0);
  text.resize(pad, 'x');
  Bytes chunk = png_chunk("tEXt", text);
  png.insert(png.end(), chunk.begin(), chunk.end());
  png.insert(png.end(), iend.begin(), iend.end());
  EXPECT_EQ(png.size(), size);
  return png;
}

nlohmann::json put_header(const std::string& name, std::uint64_t size) {
  return {{"op", "put"}, {"id", kId}, {"name", name}, {"size", size}};
}
nlohmann::json trailer(const std::string& xxh3, std::uint64_t id = kId) {
  return {{"op", "checksum"}, {"id", id}, {"xxh3", xxh3}};
}
nlohmann::json data_header(std::uint64_t id) { return {{"op", "data"}, {"id", id}}; }
// Sent after the exchange: a server still in step reads it as the next request.
const nlohmann::json kNextRequest = {{"op", "bye"}, {"id", 99}};

// What the server side saw.
struct ServerResult {
  Outcome outcome;
  std::uint64_t body_left = 0;    // bytes of the put body the server never read
  std::optional<std::uint64_t> next_id;  // the next request's id, read when the stream stayed in step
};

// What the client saw: the statuses of the replies it read, in order.
using ClientResult = std::vector<std::string>;
using ClientScript = std::function<asio::awaitable<void>(tcp::socket&, proto::FrameReader<tcp::socket>&)>;

class PutExchangeTest : public ::testing::Test {
 protected:
  PutExchangeTest() : store_(open_local_store({dir_.path(), false}).store) { options_.inline_put_max = 4096; }

  // Runs `script` as the client and one put exchange as the server.
  std::pair<ServerResult, ClientResult> exchange(const ClientScript& script) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    ServerContext context{*store_, options_};
    auto served = asio::co_spawn(io, serve_one_put(std::move(server), context), asio::use_future);
    auto sent = asio::co_spawn(io, run_client(client, script), asio::use_future);
    io.run_for(kDeadline);
    EXPECT_EQ(served.wait_for(std::chrono::seconds(0)), std::future_status::ready) << "server side did not finish";
    EXPECT_EQ(sent.wait_for(std::chrono::seconds(0)), std::future_status::ready) << "client side did not finish";
    if (served.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return {};
    return {served.get(), sent.get()};
  }

  static asio::awaitable<ServerResult> serve_one_put(tcp::socket socket, const ServerContext& context) {
    proto::NetStream stream(std::move(socket));
    proto::FrameReader<proto::NetStream> reader(stream);
    proto::FrameHead head = co_await reader.read_header();
    std::uint64_t id = 0;
    proto::Request request = proto::parse_request(head.header, id);
    RequestContext ctx{stream, reader, context, {}, id, head.body_len};
    ServerResult result;
    result.outcome = co_await handle_put(ctx, std::get<proto::Put>(request.body));
    co_await proto::write_frame(stream, result.outcome.reply);
    result.body_left = reader.body_remaining();
    if (!result.outcome.close) {
      proto::FrameHead next = co_await reader.read_header();
      result.next_id = next.header.at("id").get<std::uint64_t>();
    } else {
      co_await close_after_reply(stream.tcp());  // as the session does, so the reply is not reset away
    }
    co_return result;
  }

  static asio::awaitable<ClientResult> run_client(tcp::socket& socket, ClientScript script) {
    proto::FrameReader<tcp::socket> reader(socket);
    co_await script(socket, reader);
    co_await proto::write_frame(socket, kNextRequest);
    // The final reply (after a continue, if the script did not read that).
    ClientResult statuses;
    proto::FrameHead reply = co_await reader.read_header();
    statuses.push_back(reply.header.at("status").get<std::string>());
    co_return statuses;
  }

  // Inline: the body follows the put at once, then its trailer.
  static ClientScript inline_put(std::string name, std::vector<std::uint8_t> body, std::string xxh3) {
    return [=](tcp::socket& s, proto::FrameReader<tcp::socket>&) -> asio::awaitable<void> {
      co_await proto::write_frame(s, put_header(name, body.size()), body);
      co_await proto::write_frame(s, trailer(xxh3));
    };
  }

  std::vector<std::string> stored() const { return dir_.entries(); }

  ScratchDir dir_;
  std::unique_ptr<Storage> store_;
  ServerOptions options_;
};

TEST_F(PutExchangeTest, InlinePutIsStoredAndTheStreamStaysInStep) {
  auto body = png_bytes(1000);
  auto [server, client] = exchange(inline_put("cat.png", body, xxh3_of(body)));
  EXPECT_FALSE(server.outcome.refused);
  EXPECT_EQ(server.outcome.log, "stored 1000 bytes");
  EXPECT_EQ(server.outcome.reply.at("xxh3"), xxh3_of(body));
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_EQ(client, ClientResult{"ok"});
  EXPECT_EQ(stored(), std::vector<std::string>{"cat.png"});
}

TEST_F(PutExchangeTest, AnnouncedPutGetsContinueThenItsDataFrameIsStored) {
  auto body = png_bytes(10000);
  std::string first_reply;
  auto [server, client] = exchange([&](tcp::socket& s, proto::FrameReader<tcp::socket>& r) -> asio::awaitable<void> {
    co_await proto::write_frame(s, put_header("big.png", body.size()));
    first_reply = (co_await r.read_header()).header.at("status").get<std::string>();
    co_await proto::write_frame(s, data_header(kId), body);
    co_await proto::write_frame(s, trailer(xxh3_of(body)));
  });
  EXPECT_EQ(first_reply, "continue");
  EXPECT_FALSE(server.outcome.refused);
  EXPECT_EQ(client, ClientResult{"ok"});
  EXPECT_EQ(stored(), std::vector<std::string>{"big.png"});
}

TEST_F(PutExchangeTest, AnnouncedPutThatCannotFitIsRefusedBeforeContinue) {
  options_.max_file_size = 5000;
  auto [server, client] = exchange([&](tcp::socket& s, proto::FrameReader<tcp::socket>&) -> asio::awaitable<void> {
    co_await proto::write_frame(s, put_header("big.png", 10000));
  });
  EXPECT_EQ(server.outcome.refused, Errc::too_large);
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_EQ(client, ClientResult{"error"});  // no continue came first
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, AFrameOtherThanTheDataFrameAfterContinueClosesTheStream) {
  auto body = png_bytes(100);
  auto [server, client] = exchange([&](tcp::socket& s, proto::FrameReader<tcp::socket>& r) -> asio::awaitable<void> {
    co_await proto::write_frame(s, put_header("big.png", body.size()));
    co_await r.read_header();  // continue
    co_await proto::write_frame(s, data_header(kId + 1), body);  // another put's id
  });
  EXPECT_EQ(server.outcome.refused, Errc::bad_request);
  EXPECT_EQ(server.outcome.reply.at("message"), "expected the data frame of put 7 with 100 bytes");
  EXPECT_TRUE(server.outcome.close);
  EXPECT_EQ(client, ClientResult{"error"});
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, ABadTrailerClosesTheStreamAndStoresNothing) {
  auto body = png_bytes(100);
  auto [server, client] = exchange([&](tcp::socket& s, proto::FrameReader<tcp::socket>&) -> asio::awaitable<void> {
    co_await proto::write_frame(s, put_header("cat.png", body.size()), body);
    co_await proto::write_frame(s, trailer(xxh3_of(body), kId + 1));
  });
  EXPECT_EQ(server.outcome.refused, Errc::bad_request);
  EXPECT_EQ(server.outcome.reply.at("message"), "expected the checksum trailer of put 7");
  EXPECT_TRUE(server.outcome.close);
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, AChecksumMismatchStoresNothingAndTheSessionGoesOn) {
  auto body = png_bytes(100);
  auto [server, client] = exchange(inline_put("cat.png", body, xxh3_of(png_bytes(101))));
  EXPECT_EQ(server.outcome.refused, Errc::checksum_mismatch);
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_EQ(client, ClientResult{"error"});
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, ASmallRefusedBodyIsDrainedWithItsTrailer) {
  std::vector<std::uint8_t> text(2000, 'x');  // not a PNG: refused on its first bytes
  auto [server, client] = exchange(inline_put("fake.png", text, xxh3_of(text)));
  EXPECT_EQ(server.outcome.refused, Errc::not_an_image);
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.body_left, 0u);
  EXPECT_EQ(server.next_id, 99u);  // body and trailer were read and dropped
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, ALargeRefusedBodyIsNotReadAndTheStreamCloses) {
  auto body = png_bytes(64 * 1024);  // above inline_put_max (4096)
  auto existing = png_bytes(100);
  auto [first, ignored] = exchange(inline_put("taken.png", existing, xxh3_of(existing)));
  ASSERT_FALSE(first.outcome.refused);
  auto [server, client] = exchange(inline_put("taken.png", body, xxh3_of(body)));
  EXPECT_EQ(server.outcome.refused, Errc::exists);
  EXPECT_TRUE(server.outcome.close);
  EXPECT_EQ(server.body_left, body.size());  // not a byte of it was read
  EXPECT_EQ(client, ClientResult{"error"});
  EXPECT_EQ(stored(), std::vector<std::string>{"taken.png"});
}

TEST_F(PutExchangeTest, ABodyLengthOtherThanZeroOrSizeIsRefusedAndDrained) {
  auto body = png_bytes(100);
  auto [server, client] = exchange([&](tcp::socket& s, proto::FrameReader<tcp::socket>&) -> asio::awaitable<void> {
    co_await proto::write_frame(s, put_header("cat.png", 200), body);
    co_await proto::write_frame(s, trailer(xxh3_of(body)));
  });
  EXPECT_EQ(server.outcome.refused, Errc::bad_request);
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_TRUE(stored().empty());
}

}  // namespace
}  // namespace imgsh::server

namespace imgsh::server {
namespace {

// Validation by real decoders after the trailer (PROTOCOL.md section 4): a body whose
// first bytes pass the sniff but whose image data is broken is refused with the
// library's code and message; the stream stays in step and nothing is stored.
TEST_F(PutExchangeTest, AnImageThatDoesNotDecodeIsRefusedAfterItsTrailer) {
  auto body = png_bytes(1000);
  body.resize(body.size() - 12);  // no IEND
  auto [server, client] = exchange(inline_put("cut.png", body, xxh3_of(body)));
  EXPECT_EQ(server.outcome.refused, Errc::not_an_image);
  EXPECT_EQ(server.outcome.reply.value("message", ""), "cut.png: truncated: no IEND chunk (the last chunk is tEXt)");
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_EQ(client, ClientResult{"error"});
  EXPECT_TRUE(stored().empty());
}

TEST_F(PutExchangeTest, AnImageAboveTheServersPixelLimitIsRefusedTooLarge) {
  options_.max_pixels = 3;  // the image has 2 x 2
  auto body = png_bytes(1000);
  auto [server, client] = exchange(inline_put("big.png", body, xxh3_of(body)));
  EXPECT_EQ(server.outcome.refused, Errc::too_large);
  EXPECT_FALSE(server.outcome.close);
  EXPECT_EQ(server.next_id, 99u);
  EXPECT_TRUE(stored().empty());
}

}  // namespace
}  // namespace imgsh::server
