#pragma once
// The one table of shell commands (after OpenSSH sftp.c): name, aliases,
// what Tab completes for its arguments, argument counts, usage, help, handler.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shell/command_options.hpp"

namespace imgsh::shell {

struct ShellContext;

enum class Completion { none, remote, local, local_dir, command };

struct Command {
  std::string_view name;
  std::vector<std::string_view> aliases;
  Completion completion;
  int min_args;
  int max_args;
  std::string_view usage;
  std::string_view help;
  // Returns true on success; reports its own outcome.
  bool (*run)(ShellContext& ctx, const std::vector<std::string>& args);
  // What Tab completes after the first argument, when it differs (get REMOTE LOCAL).
  std::optional<Completion> later_completion = std::nullopt;
  // Its options (command_options.hpp); the argument counts then count operands only.
  // nullptr: the command parses its own words.
  const OptionTable* options = nullptr;
};

const std::vector<Command>& command_table();
// By name or alias; nullptr when unknown.
const Command* find_command(std::string_view word);

}  // namespace imgsh::shell
