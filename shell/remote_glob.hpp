#pragma once
// A glob given to a command that works name by name (stat): the names it
// matches on the server, case-insensitively as mget's; a glob that matches
// nothing is the same failure as mget's, one report line
//   <server> <op> PATTERN fail not_found: no remote file matches PATTERN
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// The matching names, sorted; nullopt when the lookup failed (reported).
std::optional<std::vector<std::string>> remote_glob_names(ShellContext& ctx, std::string_view op,
                                                          const std::string& pattern);

}  // namespace imgsh::shell
