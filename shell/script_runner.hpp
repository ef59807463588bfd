#pragma once
// Running command lines: one at a time from a prompt, or a whole script with
// sftp -b semantics (stop at the first failure unless the line starts with '-').
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// Runs one parsed command; false on failure (unknown command and bad usage included).
bool run_command(ShellContext& ctx, const std::vector<std::string>& words);

// Runs one line; `#` comments and blank lines succeed doing nothing.
bool run_line(ShellContext& ctx, std::string_view line);

// Exit status: 0 all good, 1 a command failed, 2 the connection failed (the
// script stops there either way).
int run_script(ShellContext& ctx, std::istream& in);

// Exit status 0; failures are reported and the prompt comes back.
int run_interactive(ShellContext& ctx);

}  // namespace imgsh::shell
