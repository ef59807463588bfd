// XXH3-128 as both ends compute it: streaming in any pieces gives the one-shot
// result, and the text is what `xxhsum -H2` prints (values taken from xxhsum 0.8.1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "protocol/checksum.hpp"
#include "protocol/error_code.hpp"

namespace {

using imgsh::proto::Xxh3Hasher;

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Checksum, MatchesXxhsumH2) {
  Xxh3Hasher empty;
  EXPECT_EQ(empty.hex(), "99aa06d3014798d86001c324468d497f");  // printf '' | xxhsum -H2
  Xxh3Hasher abc;
  abc.update(bytes("abc"));
  EXPECT_EQ(abc.hex(), "06b05ab6733a618578af5f94892f3950");  // printf abc | xxhsum -H2
}

TEST(Checksum, StreamingInPiecesEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7919 % 251));
  Xxh3Hasher whole;
  whole.update(bytes(data));
  for (std::size_t piece : {1u, 7u, 64u, 4096u, 65537u}) {
    Xxh3Hasher parts;
    for (std::size_t at = 0; at < data.size(); at += piece) parts.update(bytes(data.substr(at, piece)));
    EXPECT_EQ(parts.hex(), whole.hex()) << "pieces of " << piece;
  }
}

TEST(Checksum, OfFileReadsExactlySize) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  std::fputs("abcdef", f);
  std::fflush(f);
  int fd = ::fileno(f);
  EXPECT_EQ(imgsh::proto::xxh3_of_file(fd, 3), "06b05ab6733a618578af5f94892f3950");
  EXPECT_THROW(imgsh::proto::xxh3_of_file(fd, 10), imgsh::proto::ProtocolError);
  std::fclose(f);
}

TEST(Checksum, WireForm) {
  EXPECT_TRUE(imgsh::proto::is_xxh3_hex("06b05ab6733a618578af5f94892f3950"));
  EXPECT_FALSE(imgsh::proto::is_xxh3_hex("06B05AB6733A618578AF5F94892F3950"));
  EXPECT_FALSE(imgsh::proto::is_xxh3_hex("06b05ab6733a618578af5f94892f395"));
  EXPECT_FALSE(imgsh::proto::is_xxh3_hex("06b05ab6733a618578af5f94892f3950 "));
  EXPECT_FALSE(imgsh::proto::is_xxh3_hex("g6b05ab6733a618578af5f94892f3950"));
}

}  // namespace
