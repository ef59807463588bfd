#include "server/descriptor_budget.hpp"

#include <sys/resource.h>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace imgsh::server {

std::size_t sessions_for_descriptors(std::uint64_t descriptors) {
  if (descriptors <= kReservedDescriptors + kDescriptorsPerSession) return 1;
  return static_cast<std::size_t>((descriptors - kReservedDescriptors) / kDescriptorsPerSession);
}

std::size_t fit_sessions_to_descriptors(std::size_t max_sessions) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_sessions;
  rlim_t wanted = static_cast<rlim_t>(max_sessions) * kDescriptorsPerSession + kReservedDescriptors;
  if (wanted > limit.rlim_cur) {
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  if (limit.rlim_cur >= wanted) return max_sessions;
  std::size_t fits = std::min(max_sessions, sessions_for_descriptors(limit.rlim_cur));
  spdlog::warn(
      "file descriptor limit {} (hard limit {}) is too low for --max-sessions {} (needs {}); serving at most {} "
      "sessions: raise the limit (ulimit -n, LimitNOFILE=) to allow more",
      limit.rlim_cur, limit.rlim_max, max_sessions, wanted, fits);
  return fits;
}

}  // namespace imgsh::server
