#pragma once
// The multi-file commands (get/put with a pattern, mget, mput): patterns
// resolved to files, then every file pipelined over the one connection
// (Client::get_many, put_many) with its own report line, in order; a refused
// file does not stop the rest; Ctrl-C stops them all. Files a lost connection
// stopped are tried again after a reconnect (a drained or dead node behind a
// balancer: the retry reaches a live one). A count line ends it. With -c
// (mget -c, mput -c) each file continues what was kept of it, one after the
// other (as get -c, put -c); mput -c still pipelines the files small enough to
// travel inline, which the protocol does not resume.
#include <string>
#include <vector>

#include "shell/file_commands.hpp"
#include "shell/shell_context.hpp"

namespace imgsh::shell {

// Every remote file the patterns match (a glob asks the server; a plain name
// is taken as it is), saved into local_arg: a directory, or empty for the
// current one. True when every file made it.
bool get_files(ShellContext& ctx, const std::vector<std::string>& patterns, const std::string& local_arg,
               const TransferFlags& flags = {});

// Every local file the patterns match, stored under its own name; -c: each as put -c.
bool put_files(ShellContext& ctx, const std::vector<std::string>& patterns, const TransferFlags& flags = {});

}  // namespace imgsh::shell
