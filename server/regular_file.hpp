#pragma once
// Opening a stored file for reading without ever opening anything else that may sit
// under an image name (a FIFO, a device, a socket, a directory, a symbolic link).
#include <sys/stat.h>

#include <string>

#include "protocol/unique_fd.hpp"
#include "server/storage.hpp"

namespace imgsh::server {

// Opens `name` (in the directory `root_fd`) for reading only if it is a regular file.
// O_PATH opens nothing (a FIFO's blocked writer stays blocked, a device's driver is never
// called); fstat says what it is; only then is that same inode opened for reading,
// through /proc/self/fd. Without /proc, by name, and checked again to be the same
// regular file. Throws StoreError: not_found, internal.
// `st`, when given, receives the opened file's fstat (a caller needs no second one).
UniqueFd open_regular_file(int root_fd, const std::string& name, struct stat* st = nullptr);

// The refusal of a name the store does not have (or will not serve): not_found.
StoreError not_stored(const std::string& name);

}  // namespace imgsh::server
