#pragma once
// The options of one shell command, parsed as sftp's and GNU getopt's are:
// short flags (combinable: -pn), short options with a value (-t 5, -t5), long
// ones (--json, --sort=size, --sort size), `--` ends options, a lone `-` is an
// operand (stdin or stdout). Options may come before or after operands. An
// option not in the command's table is a usage error that names it.
// One table per command: adding an option (get -c) is one row.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::shell {

struct OptionSpec {
  char short_name = 0;            // 0: long only
  std::string_view long_name{};   // empty: short only
  bool takes_value = false;
  std::string_view help{};        // for usage and help text
};

using OptionTable = std::vector<OptionSpec>;

struct ParsedOptions {
  // Given options by their canonical name: the long name if any, else the short letter.
  std::map<std::string, std::string, std::less<>> given;  // value "" for a flag
  std::vector<std::string> operands;

  bool has(std::string_view name) const { return given.find(name) != given.end(); }
  std::string value(std::string_view name) const;  // "" when not given
};

// nullopt and a message naming the culprit on an unknown option or a missing value.
std::optional<ParsedOptions> parse_command_options(const std::vector<std::string>& args, const OptionTable& table,
                                                   std::string& error);

}  // namespace imgsh::shell
