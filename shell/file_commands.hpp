#pragma once
// get and put of one file, each with its progress bar and its report line
// (many-file transfers: many_file_commands.hpp).
#include <string>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// get REMOTE [LOCAL]: LOCAL may be a file name or a directory; never overwrites.
bool get_file(ShellContext& ctx, const std::string& name, const std::string& local_arg);

// put LOCAL as REMOTE.
bool put_file(ShellContext& ctx, const std::string& path, const std::string& name);

}  // namespace imgsh::shell
