// The checksum service (server/checksum_service.hpp): a hash runs on the
// pool, is shared by concurrent requests for one file, is kept in memory when
// the xattr cannot hold it, and stops at its next chunk on cancel().
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "protocol/checksum.hpp"
#include "protocol/unique_fd.hpp"
#include "server/checksum_service.hpp"
#include "server_test_support.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using testing::ScratchDir;

// A sparse file of `size` bytes with a few real bytes, opened for reading.
UniqueFd sparse_file(const std::filesystem::path& path, off_t size) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  EXPECT_TRUE(fd);
  EXPECT_EQ(::pwrite(fd.get(), "imgsh", 5, 0), 5);
  EXPECT_EQ(::ftruncate(fd.get(), size), 0);
  return fd;
}

struct stat stat_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st;
}

struct Outcome {
  std::optional<std::string> xxh3;
  std::optional<Errc> error;
};

asio::awaitable<void> ask(ChecksumService& service, int fd, struct stat st, Outcome& out) {
  try {
    out.xxh3 = co_await service.checksum(fd, st, "a-name-longer-than-any-small-string-buffer.png");
  } catch (const proto::ProtocolError& e) {
    out.error = e.code();
  }
}

TEST(ChecksumService, ConcurrentRequestsShareOneHashAndTheResultIsKept) {
  ScratchDir dir;
  UniqueFd fd = sparse_file(dir.path() / "big.png", 256 << 20);
  struct stat st = stat_of(fd.get());
  std::string expected = proto::xxh3_of_file(fd.get(), static_cast<std::uint64_t>(st.st_size));
  asio::io_context io;  // outlives the service: its workers post to it until joined
  ChecksumService service;
  Outcome a, b;
  asio::co_spawn(io, ask(service, fd.get(), st, a), asio::detached);
  asio::co_spawn(io, ask(service, fd.get(), st, b), asio::detached);
  io.run();
  ASSERT_EQ(a.xxh3, expected);
  ASSERT_EQ(b.xxh3, expected);
  EXPECT_EQ(service.hashes_started(), 1u) << "two requests for one file while it hashed: one hash";
  // Asked again, as the file is now (the xattr write moved its ctime): no new hash.
  Outcome c;
  io.restart();
  asio::co_spawn(io, ask(service, fd.get(), stat_of(fd.get()), c), asio::detached);
  io.run();
  EXPECT_EQ(c.xxh3, expected);
  EXPECT_EQ(service.hashes_started(), 1u);
}

TEST(ChecksumService, AChangedFileIsHashedAgain) {
  ScratchDir dir;
  UniqueFd fd = sparse_file(dir.path() / "a.png", 4096);
  asio::io_context io;  // outlives the service: its workers post to it until joined
  ChecksumService service;
  Outcome first, second;
  asio::co_spawn(io, ask(service, fd.get(), stat_of(fd.get()), first), asio::detached);
  io.run();
  ASSERT_EQ(::pwrite(fd.get(), "IMGSH", 5, 0), 5);  // same size
  struct stat st = stat_of(fd.get());
  io.restart();
  asio::co_spawn(io, ask(service, fd.get(), st, second), asio::detached);
  io.run();
  EXPECT_EQ(second.xxh3, proto::xxh3_of_file(fd.get(), 4096));
  EXPECT_NE(first.xxh3, second.xxh3);
  EXPECT_EQ(service.hashes_started(), 2u);
}

TEST(ChecksumService, CancelStopsAHashInProgressAndAnswersBusy) {
  ScratchDir dir;
  UniqueFd fd = sparse_file(dir.path() / "huge.png", off_t{64} << 30);  // minutes to hash whole
  ChecksumOptions options;
  options.workers = 1;
  asio::io_context io;  // outlives the service: its workers post to it until joined
  ChecksumService service(options);
  Outcome out;
  asio::co_spawn(io, ask(service, fd.get(), stat_of(fd.get()), out), asio::detached);
  asio::steady_timer timer(io, std::chrono::milliseconds(100));
  timer.async_wait([&](const asio::error_code&) { service.cancel(); });
  auto start = std::chrono::steady_clock::now();
  io.run_for(std::chrono::seconds(60));
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("cancelled after %.3f s\n", took);
  ASSERT_FALSE(out.xxh3.has_value());
  ASSERT_EQ(out.error, Errc::busy);
  EXPECT_LT(took, 30.0) << "cancel is checked per chunk, not after the whole file";
}

TEST(ChecksumService, AFullQueueAnswersBusy) {
  ScratchDir dir;
  ChecksumOptions options;
  options.workers = 1;
  options.max_queued = 1;
  asio::io_context io;  // outlives the service: its workers post to it until joined
  ChecksumService service(options);
  // Three different large files: one runs, one waits, the third is refused.
  std::vector<UniqueFd> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(sparse_file(dir.path() / ("f" + std::to_string(i) + ".png"), off_t{64} << 30));
  Outcome out[3];
  asio::co_spawn(io, ask(service, fds[0].get(), stat_of(fds[0].get()), out[0]), asio::detached);
  asio::steady_timer later(io, std::chrono::milliseconds(150));  // the first is running by then
  later.async_wait([&](const asio::error_code&) {
    for (int i = 1; i < 3; ++i) asio::co_spawn(io, ask(service, fds[i].get(), stat_of(fds[i].get()), out[i]), asio::detached);
  });
  asio::steady_timer timer(io, std::chrono::milliseconds(400));
  timer.async_wait([&](const asio::error_code&) {
    EXPECT_EQ(out[2].error, Errc::busy) << "refused at once, before the cancel";
    service.cancel();
  });
  io.run_for(std::chrono::seconds(60));
  int busy = 0;
  for (auto& o : out) busy += o.error == Errc::busy;
  EXPECT_EQ(busy, 3) << "one refused at once, two stopped by the cancel";
  EXPECT_EQ(service.hashes_started(), 2u) << "the refused one never ran";
}

}  // namespace
}  // namespace imgsh::server
