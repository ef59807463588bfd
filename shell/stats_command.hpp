#pragma once
// `stats`: the server's counters (requests by op and result, errors by code,
// bytes, sessions, request durations) as a table on stdout, or with --json
// as fields of the report object.
#include <string>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

bool cmd_stats(ShellContext& ctx, const std::vector<std::string>& args);

}  // namespace imgsh::shell
