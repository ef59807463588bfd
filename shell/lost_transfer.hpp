#pragma once
// Whether a file of a many-file transfer failed because the connection was
// lost (the node went away: restart, drain, crash): worth a retry after a
// reconnect, which through a balancer reaches a live node. A refusal, a local
// error or Ctrl-C is not. A put lost this way may still have been stored
// (pipelined, or its reply lost): its retry may answer `exists`.
#include <exception>

namespace imgsh::shell {

bool lost_with_connection(std::exception_ptr why);

}  // namespace imgsh::shell
