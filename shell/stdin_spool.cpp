#include "shell/stdin_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "shell/local_files.hpp"

namespace imgsh::shell {

UniqueFd spool_stdin(std::uint64_t max_bytes) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) throw LocalError(proto::Errc::internal, "cannot make a temporary file in " + dir + " for stdin: " + std::strerror(errno));
  std::vector<char> buf(1 << 16);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw LocalError(proto::Errc::internal, std::string("reading stdin: ") + std::strerror(errno));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > max_bytes) {
      throw LocalError(proto::Errc::too_large,
                       "stdin holds more than " + std::to_string(max_bytes) + " bytes, the most imgsh spools; nothing sent");
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(fd.get(), buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw LocalError(proto::Errc::internal, std::string("spooling stdin: ") + std::strerror(errno));
      off += w;
    }
  }
  return fd;
}

}  // namespace imgsh::shell
