#pragma once
// Only images are served (issue 13, item 3): a file placed in the root by hand whose
// first bytes are not a valid JPEG or PNG header (protocol/header_check.hpp) is neither
// listed nor served. The verdict costs one small pread per file and is cached in memory
// (bounded, least recently used first), keyed like the checksum (inode, size, mtime,
// ctime), so a changed file is judged again. A refused file is logged when it is judged,
// so once per version of the file while its verdict stays cached. Thread-safe.
#include <sys/stat.h>

#include <cstddef>
#include <string>

#include "server/checksum_memory.hpp"

namespace imgsh::server {

class HeaderGate {
 public:
  explicit HeaderGate(std::size_t capacity = 65536) : verdicts_(capacity) {}

  // Whether the regular file `fd` (whose fstat is `st`), stored as `name`, may be served.
  bool admits(int fd, const std::string& name, const struct stat& st);
  // The same for the root entry `name`, opened without following links and without
  // blocking (a file that cannot be read is not admitted).
  bool admits_entry(int root_fd, const std::string& name, const struct stat& st);

 private:
  ChecksumMemory verdicts_;  // "" for an image, else the problem
};

}  // namespace imgsh::server
