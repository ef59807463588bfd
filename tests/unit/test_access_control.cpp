// The server's token file and failure throttle (server/token_store.*, server/auth_throttle.*).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/auth_throttle.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class TempFile {
 public:
  TempFile() : path_(std::filesystem::temp_directory_path() / ("imgsh-tokens-" + std::to_string(::getpid()) + "-" +
                                                                std::to_string(counter_++))) {
    std::filesystem::remove(path_);
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& text) const { std::ofstream(path_) << text; }
  std::string read() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(TokenStore, AddedTokensAreFoundWithTheirRightsAndStoredOnlyAsHashes) {
  TempFile file;
  std::string rw = add_token(file.path(), Rights::read_write);
  std::string ro = add_token(file.path(), Rights::read_only);
  EXPECT_EQ(rw.size(), 64u);
  EXPECT_NE(rw, ro);
  std::string text = file.read();
  EXPECT_EQ(text.find(rw), std::string::npos);
  EXPECT_EQ(text.find(ro), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  TokenStore store = TokenStore::load(file.path());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.lookup(rw), Rights::read_write);
  EXPECT_EQ(store.lookup(ro), Rights::read_only);
  EXPECT_EQ(store.lookup(""), std::nullopt);
  EXPECT_EQ(store.lookup(rw.substr(1)), std::nullopt);
  EXPECT_EQ(store.lookup(rw + "x"), std::nullopt);
}

TEST(TokenStore, KnownHashOfAKnownToken) {
  TempFile file;
  // sha256("abc")
  file.write("# a comment\n\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ro  # note\n");
  TokenStore store = TokenStore::load(file.path());
  EXPECT_EQ(store.lookup("abc"), Rights::read_only);
  EXPECT_EQ(store.lookup("abd"), std::nullopt);
}

TEST(TokenStore, MalformedLinesNameTheLine) {
  for (const char* text : {"s3cret rw\n", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
                           "\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad admin\n"}) {
    TempFile file;
    file.write(text);
    try {
      (void)TokenStore::load(file.path());
      ADD_FAILURE() << "accepted " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("line"));
    }
  }
}

TEST(AuthThrottle, DelayDoublesUpToTheCapAndSuccessForgets) {
  AuthThrottle throttle;
  auto peer = asio::ip::make_address("192.0.2.7");
  auto t = AuthThrottle::Clock::now();
  EXPECT_EQ(throttle.failure(peer, t), 100ms);
  EXPECT_EQ(throttle.failure(peer, t), 200ms);
  EXPECT_EQ(throttle.failure(peer, t), 400ms);
  for (int i = 0; i < 40; ++i) throttle.failure(peer, t);
  EXPECT_EQ(throttle.failure(peer, t), AuthThrottle::kMaxDelay);
  // another address is not affected; the mapped IPv6 form of the first one is
  EXPECT_EQ(throttle.failure(asio::ip::make_address("192.0.2.8"), t), 100ms);
  EXPECT_EQ(throttle.failure(asio::ip::make_address("::ffff:192.0.2.7"), t), AuthThrottle::kMaxDelay);
  throttle.success(peer);
  EXPECT_EQ(throttle.failure(peer, t), 100ms);
  // failures long ago are forgiven
  EXPECT_EQ(throttle.failure(peer, t + AuthThrottle::kMemory + 1s), 100ms);
}

TEST(AuthThrottle, StateStaysBounded) {
  AuthThrottle throttle;
  auto t = AuthThrottle::Clock::now();
  for (std::uint32_t i = 0; i < AuthThrottle::kMaxAddresses + 500; ++i) {
    throttle.failure(asio::ip::address_v4(0x0A000000u + i), t + std::chrono::milliseconds(i));
  }
  EXPECT_LE(throttle.tracked(), AuthThrottle::kMaxAddresses);
  // the newest address is still remembered
  auto newest = asio::ip::address_v4(0x0A000000u + AuthThrottle::kMaxAddresses + 499);
  EXPECT_EQ(throttle.failure(newest, t + 10s), 200ms);
}

}  // namespace
}  // namespace imgsh::server
