#include "server/checksum_cache.hpp"

#include <sys/xattr.h>

#include <cinttypes>
#include <cstdio>

#include "protocol/checksum.hpp"

namespace imgsh::server {
namespace {

std::int64_t ns_of(const struct timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// "<32 hex digits> <ino> <size> <mtime_ns> <ctime_ns>"
std::string cache_entry(const FileKey& key, std::string_view xxh3) {
  char tail[128];
  std::snprintf(tail, sizeof tail, " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64, key.ino, key.size, key.mtime_ns,
                key.ctime_ns);
  return std::string(xxh3) + tail;
}

// Each write moves ctime; where ctime is coarse the second write usually
// lands in the same tick and the entry then describes itself. Two tries, no more.
constexpr int kRecordTries = 2;

}  // namespace

FileKey file_key(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::int64_t>(st.st_size), ns_of(st.st_mtim), ns_of(st.st_ctim)};
}

std::optional<std::string> xattr_checksum(int fd, const struct stat& st) {
  char value[160];
  ssize_t n = ::fgetxattr(fd, kChecksumXattr, value, sizeof value - 1);
  if (n <= 32) return std::nullopt;
  std::string entry(value, static_cast<std::size_t>(n));
  std::string xxh3 = entry.substr(0, 32);
  if (proto::is_xxh3_hex(xxh3) && entry == cache_entry(file_key(st), xxh3)) return xxh3;
  return std::nullopt;
}

Recorded record_checksum(int fd, std::string_view xxh3) {
  Recorded out;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return out;
  out.key = file_key(st);
  if (st.st_nlink > 1) return out;
  for (int i = 0; i < kRecordTries; ++i) {
    std::string entry = cache_entry(out.key, xxh3);
    if (::fsetxattr(fd, kChecksumXattr, entry.data(), entry.size(), 0) != 0) return out;
    if (::fstat(fd, &st) != 0) return out;
    FileKey after = file_key(st);
    out.in_xattr = after == out.key;
    out.key = after;
    if (out.in_xattr) break;
  }
  return out;
}

}  // namespace imgsh::server
