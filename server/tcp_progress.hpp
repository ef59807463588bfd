#pragma once
// The kernel's view of a connection's progress lives in protocol/ (the shell
// watches its transfers with it too); the server's code names it from here.
#include "protocol/tcp_progress.hpp"

namespace imgsh::server {

using proto::tcp_bytes_moved;
using proto::tcp_unacknowledged_bytes;

}  // namespace imgsh::server
