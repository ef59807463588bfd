#pragma once
// Whether a file of a many-file transfer failed because the connection was
// lost (the node went away: restart, drain, crash) or the server said `busy`
// (a node shutting down refuses the work it cancels so): worth a retry after a
// reconnect, which through a balancer reaches a live node. Another refusal, a
// local error or Ctrl-C is not. A put lost this way may still have been stored
// (pipelined, or its reply lost): its retry may answer `exists`.
#include <exception>

namespace imgsh::shell {

bool worth_retrying(std::exception_ptr why);

}  // namespace imgsh::shell
