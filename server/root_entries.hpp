#pragma once
// Reading a root directory's entries by its handle.
#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/error_code.hpp"
#include "protocol/unique_fd.hpp"

namespace imgsh::server {

// Calls visit(name) for each entry; closes the directory stream on every
// path. Throws ProtocolError(internal) when the directory cannot be read.
template <class F>
void for_each_root_entry(int root_fd, F&& visit) {
  UniqueFd dir_fd(::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* dir = dir_fd ? ::fdopendir(dir_fd.get()) : nullptr;
  if (!dir) {
    throw proto::ProtocolError(proto::Errc::internal,
                               std::string("cannot read the root directory: ") + std::strerror(errno));
  }
  dir_fd.release();
  struct Closer {
    DIR* d;
    ~Closer() { ::closedir(d); }
  } closer{dir};
  while (const dirent* entry = ::readdir(dir)) visit(std::string_view(entry->d_name));
}

}  // namespace imgsh::server
