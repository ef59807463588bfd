#pragma once
// Makes --max-sessions fit the process's file descriptor limit. Each session
// holds a socket and, during a transfer, a stored file (and its temporary): with
// more sessions than descriptors allow, an established client's get fails with
// "Too many open files" and new clients hang in the backlog. Better to refuse
// the extra clients with `busy` and say so at start-up.
#include <cstddef>
#include <cstdint>

namespace imgsh::server {

// Descriptors kept aside for the listener, logs, the store's directory, TLS
// files and the worker pool, whatever the session count (and the store's
// open-file cache: OpenFileCache::kEntries = 32 of them, within these).
inline constexpr std::uint64_t kReservedDescriptors = 64;
inline constexpr std::uint64_t kDescriptorsPerSession = 2;

// The most sessions `descriptors` allow (at least 1).
std::size_t sessions_for_descriptors(std::uint64_t descriptors);

// Raises the soft RLIMIT_NOFILE towards what `max_sessions` needs (up to the
// hard limit) and returns the session limit to use: max_sessions, or fewer
// with a warning in the log when the hard limit does not allow that many.
std::size_t fit_sessions_to_descriptors(std::size_t max_sessions);

}  // namespace imgsh::server
