#pragma once
// The commands that never touch the server: local directory and files, a
// local shell, the shell's own settings, help and version.
#include <string>
#include <vector>

namespace imgsh::shell {

struct ShellContext;

bool cmd_lls(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_lcd(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_lpwd(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_shell(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_progress(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_version(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_help(ShellContext& ctx, const std::vector<std::string>& args);
bool cmd_quit(ShellContext& ctx, const std::vector<std::string>& args);

}  // namespace imgsh::shell
