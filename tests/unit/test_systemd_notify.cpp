// server/systemd_notify: each function sends its message to $NOTIFY_SOCKET, read back
// here from a unix datagram socket the test binds (as systemd's end would be).
// notify_reloading() has no caller yet (SIGHUP reload comes later), so it is checked here.
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "server/systemd_notify.hpp"

namespace {

class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/imgsh-notify-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    path_ = dir_ + "/notify";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval deadline{5, 0};  // a missing message fails the test, it does not hang it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline));
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    if (fd_ >= 0) ::close(fd_);
    std::filesystem::remove_all(dir_);
  }

  // The next datagram's KEY=VALUE lines; empty when none came within the deadline.
  std::map<std::string, std::string> next_message() {
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    std::map<std::string, std::string> fields;
    if (n <= 0) return fields;
    std::istringstream lines(std::string(buffer, static_cast<std::size_t>(n)));
    for (std::string line; std::getline(lines, line);) {
      auto eq = line.find('=');
      if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return fields;
  }

  std::string dir_;
  std::string path_;
  int fd_ = -1;
};

std::uint64_t now_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

TEST_F(NotifySocket, ReadyNamesThePort) {
  imgsh::server::notify_ready(40123);
  auto m = next_message();
  EXPECT_EQ(m["READY"], "1");
  EXPECT_EQ(m["STATUS"], "listening on port 40123");
}

TEST_F(NotifySocket, ReloadingCarriesTheMonotonicClock) {
  std::uint64_t before = now_usec();
  imgsh::server::notify_reloading();
  std::uint64_t after = now_usec();
  auto m = next_message();
  EXPECT_EQ(m["RELOADING"], "1");
  ASSERT_FALSE(m["MONOTONIC_USEC"].empty());
  std::uint64_t stamp = std::stoull(m["MONOTONIC_USEC"]);
  EXPECT_LE(before, stamp);
  EXPECT_LE(stamp, after);
}

TEST_F(NotifySocket, Stopping) {
  imgsh::server::notify_stopping();
  EXPECT_EQ(next_message()["STOPPING"], "1");
}

TEST_F(NotifySocket, NothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  imgsh::server::notify_ready(1);  // outside systemd: silently nothing
  timeval short_wait{0, 200000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof(short_wait));
  EXPECT_TRUE(next_message().empty());
}

}  // namespace
