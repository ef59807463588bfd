#pragma once
// A stored file's XXH3-128, cached in the extended attribute user.imgsh.xxh3
// so a get can announce the checksum and still send with sendfile(2) without
// reading the file first. The entry also holds the size and mtime (ns) it
// was computed for; a file changed behind the server's back, or placed in the
// root by hand, has no valid entry and is hashed on demand (and cached when
// the filesystem allows user xattrs).
#include <sys/stat.h>

#include <string>
#include <string_view>

namespace imgsh::server {

inline constexpr const char* kChecksumXattr = "user.imgsh.xxh3";

// The checksum of the open file `fd` whose fstat is `st`: the cached one when
// it is valid, otherwise computed now. Throws std::system_error on a read error.
std::string file_checksum(int fd, const struct stat& st);

// Records `xxh3` as the checksum of `fd` as it is now (`st`). Best effort:
// returns false where user xattrs are not supported.
bool cache_checksum(int fd, const struct stat& st, std::string_view xxh3);

}  // namespace imgsh::server
