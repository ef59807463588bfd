#pragma once
// The commands built on the thumb op: `view NAME|PATTERN` draws thumbnails in the
// terminal (terminal_image.hpp), `get --thumb EDGE NAME [LOCAL]` saves one.
#include <string>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

bool cmd_view(ShellContext& ctx, const std::vector<std::string>& args);
// `args` as get received them, starting with "--thumb".
bool get_thumbnail(ShellContext& ctx, const std::vector<std::string>& args);

}  // namespace imgsh::shell
