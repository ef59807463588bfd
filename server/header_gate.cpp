#include "server/header_gate.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include <spdlog/spdlog.h>

#include "protocol/header_check.hpp"
#include "protocol/unique_fd.hpp"
#include "server/log_text.hpp"

namespace imgsh::server {

bool HeaderGate::admits(int fd, const std::string& name, const struct stat& st) {
  FileKey key = file_key(st);
  if (auto verdict = verdicts_.find(key)) return verdict->empty();
  std::array<std::uint8_t, proto::kImageHeaderBytes> head{};
  ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  if (n < 0) return false;  // not cached: the next request tries again
  auto problem = proto::image_header_problem(name, {head.data(), static_cast<std::size_t>(n)});
  if (problem) {
    spdlog::warn("not served: {} (placed in the root by hand? run imgsrv check)", log_safe(*problem));
  }
  verdicts_.put(key, problem.value_or(""));
  return !problem;
}

bool HeaderGate::admits_entry(int root_fd, const std::string& name, const struct stat& st) {
  if (auto verdict = verdicts_.find(file_key(st))) return verdict->empty();
  UniqueFd fd(::openat(root_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) return false;
  struct stat now {};
  if (::fstat(fd.get(), &now) != 0 || !S_ISREG(now.st_mode)) return false;
  return admits(fd.get(), name, now);
}

}  // namespace imgsh::server
