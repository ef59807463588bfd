#include "server/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/storage.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

StoreError not_stored(const std::string& name) {
  return StoreError(proto::Errc::not_found, name + ": no such file on the server");
}

UniqueFd open_regular_file(int root_fd, const std::string& name, struct stat* st) {
  UniqueFd path_fd(::openat(root_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!path_fd) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) throw not_stored(name);
    throw StoreError(Errc::internal, errno_text(name + ": cannot open"));
  }
  struct stat before {};
  if (::fstat(path_fd.get(), &before) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
  if (!S_ISREG(before.st_mode)) throw not_stored(name);  // a symlink, FIFO, device, socket, directory
  std::string proc = "/proc/self/fd/" + std::to_string(path_fd.get());
  UniqueFd fd(::open(proc.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  path_fd.reset();
  if (!fd && errno == ENOENT) {
    fd.reset(::openat(root_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  }
  if (!fd) {
    if (errno == ENOENT || errno == ELOOP) throw not_stored(name);
    throw StoreError(Errc::internal, errno_text(name + ": cannot open"));
  }
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0) throw StoreError(Errc::internal, errno_text(name + ": fstat"));
  if (!S_ISREG(after.st_mode) || after.st_dev != before.st_dev || after.st_ino != before.st_ino) throw not_stored(name);
  if (st) *st = after;
  return fd;
}

}  // namespace imgsh::server
