#pragma once
// A stored file's XXH3-128, cached in the extended attribute user.imgsh.xxh3
// so a get can announce the checksum and still send with sendfile(2) without
// reading the file first. The entry records what it was computed for: inode,
// size, mtime and ctime (ns). ctime is the one a writer cannot restore, so a
// file rewritten in place with its size and mtime put back is noticed.
// Writing the attribute itself moves ctime, so an entry is only valid when
// the ctime it records is the one its own write left; on filesystems with
// fine-grained ctime (Linux 6.13+ multigrain) that never settles, and the
// checksum lives in the memory cache (checksum_memory.hpp) instead.
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgsh::server {

inline constexpr const char* kChecksumXattr = "user.imgsh.xxh3";

// What a checksum was computed for: any change to the file changes one of these.
struct FileKey {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  friend bool operator==(const FileKey&, const FileKey&) = default;
};

FileKey file_key(const struct stat& st);

// The checksum the xattr of `fd` holds for the file as `st` describes it, if valid.
std::optional<std::string> xattr_checksum(int fd, const struct stat& st);

// Records `xxh3` in the xattr of `fd`, unless the file has more than one link
// (the inode may be shared with a file outside the root: never write to it)
// or the filesystem refuses. Returns the file's key as it is afterwards, and
// whether the xattr is valid for that key.
struct Recorded {
  FileKey key;
  bool in_xattr = false;
};
Recorded record_checksum(int fd, std::string_view xxh3);

}  // namespace imgsh::server
