#pragma once
// Plain file-descriptor output, used by both ends (the server's uploads and
// token file, the shell's downloads).
#include <cstdint>
#include <span>

namespace imgsh::proto {

// write(2) all of `bytes`, retrying on EINTR and short writes. Throws
// std::system_error with the errno (ENOSPC, EDQUOT, EIO, ...).
void write_all(int fd, std::span<const std::uint8_t> bytes);

}  // namespace imgsh::proto
