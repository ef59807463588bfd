#include "server/checksum_cache.hpp"

#include <sys/xattr.h>

#include <cinttypes>
#include <cstdio>

#include "protocol/checksum.hpp"

namespace imgsh::server {
namespace {

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// "<32 hex digits> <size> <mtime_ns>"
std::string cache_entry(const struct stat& st, std::string_view xxh3) {
  char tail[64];
  std::snprintf(tail, sizeof tail, " %" PRId64 " %" PRId64, static_cast<std::int64_t>(st.st_size), mtime_ns(st));
  return std::string(xxh3) + tail;
}

}  // namespace

std::string file_checksum(int fd, const struct stat& st) {
  char value[128];
  ssize_t n = ::fgetxattr(fd, kChecksumXattr, value, sizeof value - 1);
  if (n > 32) {
    std::string entry(value, static_cast<std::size_t>(n));
    std::string xxh3 = entry.substr(0, 32);
    if (proto::is_xxh3_hex(xxh3) && entry == cache_entry(st, xxh3)) return xxh3;
  }
  std::string xxh3 = proto::xxh3_of_file(fd, static_cast<std::uint64_t>(st.st_size));
  cache_checksum(fd, st, xxh3);
  return xxh3;
}

bool cache_checksum(int fd, const struct stat& st, std::string_view xxh3) {
  std::string entry = cache_entry(st, xxh3);
  return ::fsetxattr(fd, kChecksumXattr, entry.data(), entry.size(), 0) == 0;
}

}  // namespace imgsh::server
