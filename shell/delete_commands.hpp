#pragma once
// rm and rename: the shell commands that remove or rename stored files
// (the server allows them to rwd tokens, or to all with --allow-delete).
#include <string>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// rm NAME|PATTERN...: one report line per name removed or refused; a glob
// that matches nothing is a not_found line of its own. True when all went.
bool remove_files(ShellContext& ctx, const std::vector<std::string>& patterns);

// rename OLD NEW: never replaces a stored file (exists).
bool rename_file(ShellContext& ctx, const std::string& old_name, const std::string& new_name);

}  // namespace imgsh::shell
