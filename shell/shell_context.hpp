#pragma once
// What every command handler may use: the connection, the reporter, and the
// shell's own state.
#include "shell/client.hpp"
#include "shell/report.hpp"
#include "shell/token_source.hpp"

namespace imgsh::shell {

struct ShellContext {
  Client& client;
  Reporter& reporter;
  bool interactive = false;
  bool quit = false;
  bool connection_failed = false;  // the last command failed for want of a connection
  bool interrupted = false;        // the last command was cancelled with Ctrl-C
  bool progress = false;           // draw progress bars (stderr is a terminal; `progress` toggles)
  bool reconnected_unsaid = false;  // Tab completion reconnected; the next command says so
  TokenSource token = {};           // sent in hello; explains an unauthorized reconnect
  bool stdin_free = false;          // stdin is not the commands' source: put - may read it
};

}  // namespace imgsh::shell
