#include "server/exclusive_rename.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

namespace imgsh::server {

int rename_exclusive(int dir_fd, const char* from, const char* to) {
  int rc = ::renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
    // A crash between linkat and unlinkat leaves a second link under the old
    // name: for a temporary the sweep removes it; for a renamed file both
    // names then serve the same bytes.
    rc = ::linkat(dir_fd, from, dir_fd, to, 0);
    if (rc == 0) ::unlinkat(dir_fd, from, 0);
  }
  return rc == 0 ? 0 : errno;
}

}  // namespace imgsh::server
