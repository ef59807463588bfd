#pragma once
// `put - NAME`: a put announces its size before the bytes, so standard input is
// first copied to an unlinked temporary file (O_TMPFILE in $TMPDIR, else /tmp),
// bounded in size; the put then sends that file.
#include <cstdint>

#include "protocol/unique_fd.hpp"

namespace imgsh::shell {

// Reads stdin to its end into a fresh temporary file. Throws LocalError
// (too_large) past `max_bytes`, (internal) on a read or write error.
UniqueFd spool_stdin(std::uint64_t max_bytes);

}  // namespace imgsh::shell
