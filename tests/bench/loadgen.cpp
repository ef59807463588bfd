// imgsh_loadgen: the benchmark's protocol client (tests/bench/README.md). Not a test.
//
//   imgsh_loadgen fetch   HOST PORT NAME                 one get, body discarded; prints "BYTES SECONDS"
//   imgsh_loadgen load    HOST PORT NAME CONNS SECONDS WINDOW THREADS
//                         CONNS sessions, each keeping WINDOW gets of NAME outstanding;
//                         prints "REQUESTS SECONDS REQ_PER_S"
//   imgsh_loadgen latency HOST PORT COUNT [http PATH]
//                         COUNT sequential connections: connect + hello + its reply (or
//                         connect + "GET PATH HTTP/1.1" + the response head); prints
//                         "MEDIAN_US P99_US"
//   imgsh_loadgen gets    HOST PORT NAME COUNT WINDOW [http]
//                         one session, exactly COUNT gets of NAME with WINDOW outstanding
//                         (a fixed amount of work, for instruction counts); with `http`,
//                         one keep-alive connection of "GET /NAME HTTP/1.1" (pipelined
//                         when WINDOW > 1); prints "COUNT SECONDS"
//   imgsh_loadgen idle    HOST PORT CONNS
//                         opens CONNS sessions (hello answered), prints "ready", holds them
//                         until stdin closes
//
// Speaks the protocol through the protocol library (frame codec, messages, FrameReader).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
namespace proto = imgsh::proto;

std::string request_bytes(std::uint64_t id, const proto::RequestBody& body) {
  proto::Request request{id, body};
  return proto::encode_frame_head(proto::to_header(request), 0);
}

asio::awaitable<tcp::socket> open_session(tcp::endpoint ep) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  co_await socket.async_connect(ep, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  std::string hello = request_bytes(1, proto::Hello{proto::kProtocolVersion, "imgsh_loadgen"});
  co_await asio::async_write(socket, asio::buffer(hello), asio::use_awaitable);
  proto::FrameReader<tcp::socket> reader(socket);
  proto::FrameHead head = co_await reader.read_header();
  proto::Reply reply = proto::parse_reply(head.header);
  if (reply.status != proto::ReplyStatus::ok) throw std::runtime_error("hello refused: " + reply.message);
  co_return socket;
}

// Reads one reply; returns its body length after discarding the body.
asio::awaitable<std::uint64_t> read_reply(proto::FrameReader<tcp::socket>& reader) {
  proto::FrameHead head = co_await reader.read_header();
  proto::Reply reply = proto::parse_reply(head.header);
  if (reply.status != proto::ReplyStatus::ok) throw std::runtime_error("refused: " + reply.message);
  co_await reader.skip_body();
  co_return head.body_len;
}

tcp::endpoint endpoint_of(const std::string& host, const std::string& port) {
  asio::io_context io;
  tcp::resolver resolver(io);
  return *resolver.resolve(host, port).begin();
}

template <class F>
void run_coroutine(asio::io_context& io, F&& make) {
  std::exception_ptr error;
  asio::co_spawn(io, make(), [&](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
}

int fetch(tcp::endpoint ep, const std::string& name) {
  asio::io_context io;
  std::uint64_t bytes = 0;
  auto t0 = Clock::now();
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    tcp::socket socket = co_await open_session(ep);
    std::string get = request_bytes(2, proto::Get{name});
    co_await asio::async_write(socket, asio::buffer(get), asio::use_awaitable);
    proto::FrameReader<tcp::socket> reader(socket);
    bytes = co_await read_reply(reader);
  });
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%llu %.6f\n", static_cast<unsigned long long>(bytes), seconds);
  return 0;
}

int load(tcp::endpoint ep, const std::string& name, int conns, double seconds, int window, int threads) {
  asio::io_context io(threads);
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> running{0};
  auto session = [&]() -> asio::awaitable<void> {
    try {
      tcp::socket socket = co_await open_session(ep);
      proto::FrameReader<tcp::socket> reader(socket);
      // One buffer of WINDOW requests; afterwards one request per reply.
      std::string one = request_bytes(2, proto::Get{name});
      std::string burst;
      for (int i = 0; i < window; ++i) burst += one;
      co_await asio::async_write(socket, asio::buffer(burst), asio::use_awaitable);
      int outstanding = window;
      std::uint64_t mine = 0;
      while (outstanding > 0) {
        co_await read_reply(reader);
        --outstanding;
        ++mine;
        if (!stop.load(std::memory_order_relaxed)) {
          co_await asio::async_write(socket, asio::buffer(one), asio::use_awaitable);
          ++outstanding;
        }
      }
      done += mine;
    } catch (const std::exception& e) {
      if (failures++ == 0) std::cerr << "imgsh_loadgen: " << e.what() << "\n";
    }
    --running;
  };
  auto t0 = Clock::now();
  for (int i = 0; i < conns; ++i) {
    ++running;
    asio::co_spawn(io, session(), asio::detached);
  }
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
  });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  timer.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%llu %.3f %.0f\n", static_cast<unsigned long long>(done.load()), elapsed,
              static_cast<double>(done.load()) / elapsed);
  return failures > 0 ? 1 : 0;
}

// Reads one HTTP response (head, then Content-Length bytes of body) from `buf` + `socket`.
asio::awaitable<void> read_http_response(tcp::socket& socket, asio::streambuf& buf) {
  std::size_t head_len = co_await asio::async_read_until(socket, buf, "\r\n\r\n", asio::use_awaitable);
  std::string head(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + static_cast<long>(head_len));
  buf.consume(head_len);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  if (head.rfind("http/1.1 200", 0) != 0) throw std::runtime_error("http: not 200");
  auto at = head.find("content-length:");
  if (at == std::string::npos) throw std::runtime_error("http: no content-length");
  std::size_t body = std::stoul(head.substr(at + 15));
  if (buf.size() < body) co_await asio::async_read(socket, buf, asio::transfer_exactly(body - buf.size()), asio::use_awaitable);
  buf.consume(body);
}

// One session (or keep-alive HTTP connection with `http`), exactly `count` gets of
// `name`, `window` outstanding.
int gets(tcp::endpoint ep, const std::string& name, long count, int window, bool http) {
  asio::io_context io;
  auto t0 = Clock::now();
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    tcp::socket socket(io);
    std::string one;
    if (http) {
      co_await socket.async_connect(ep, asio::use_awaitable);
      socket.set_option(tcp::no_delay(true));
      one = "GET /" + name + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    } else {
      socket = co_await open_session(ep);
      one = request_bytes(2, proto::Get{name});
    }
    proto::FrameReader<tcp::socket> reader(socket);
    asio::streambuf buf;
    long sent = 0;
    long received = 0;
    std::string burst;
    for (; sent < std::min<long>(window, count); ++sent) burst += one;
    co_await asio::async_write(socket, asio::buffer(burst), asio::use_awaitable);
    while (received < count) {
      if (http) {
        co_await read_http_response(socket, buf);
      } else {
        co_await read_reply(reader);
      }
      ++received;
      if (sent < count) {
        co_await asio::async_write(socket, asio::buffer(one), asio::use_awaitable);
        ++sent;
      }
    }
  });
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%ld %.6f\n", count, seconds);
  return 0;
}

int latency(tcp::endpoint ep, int count, const std::string& http_path) {
  asio::io_context io;
  std::vector<double> micros;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < count; ++i) {
      auto t0 = Clock::now();
      if (http_path.empty()) {
        tcp::socket socket = co_await open_session(ep);
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      } else {
        tcp::socket socket(io);
        co_await socket.async_connect(ep, asio::use_awaitable);
        socket.set_option(tcp::no_delay(true));
        std::string req = "GET " + http_path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(req), asio::use_awaitable);
        asio::streambuf buf;
        co_await asio::async_read_until(socket, buf, "\r\n\r\n", asio::use_awaitable);
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    }
  });
  std::sort(micros.begin(), micros.end());
  double median = micros[micros.size() / 2];
  double p99 = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  std::printf("%.1f %.1f\n", median, p99);
  return 0;
}

int idle(tcp::endpoint ep, int conns) {
  asio::io_context io;
  std::vector<tcp::socket> sockets;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < conns; ++i) sockets.push_back(co_await open_session(ep));
  });
  std::printf("ready %zu\n", sockets.size());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}

int usage() {
  std::cerr << "usage: imgsh_loadgen fetch|load|gets|latency|idle HOST PORT ... (see loadgen.cpp)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() < 3) return usage();
  try {
    tcp::endpoint ep = endpoint_of(a[1], a[2]);
    if (a[0] == "fetch" && a.size() == 4) return fetch(ep, a[3]);
    if (a[0] == "load" && a.size() == 8) {
      return load(ep, a[3], std::stoi(a[4]), std::stod(a[5]), std::stoi(a[6]), std::stoi(a[7]));
    }
    if (a[0] == "latency" && (a.size() == 4 || (a.size() == 6 && a[4] == "http"))) {
      return latency(ep, std::stoi(a[3]), a.size() == 6 ? a[5] : "");
    }
    if (a[0] == "gets" && (a.size() == 6 || (a.size() == 7 && a[6] == "http"))) {
      return gets(ep, a[3], std::stol(a[4]), std::stoi(a[5]), a.size() == 7);
    }
    if (a[0] == "idle" && a.size() == 4) return idle(ep, std::stoi(a[3]));
  } catch (const std::exception& e) {
    std::cerr << "imgsh_loadgen: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
