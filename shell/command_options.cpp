#include "shell/command_options.hpp"

namespace imgsh::shell {
namespace {

std::string canonical(const OptionSpec& spec) {
  return spec.long_name.empty() ? std::string(1, spec.short_name) : std::string(spec.long_name);
}

const OptionSpec* find_short(const OptionTable& table, char c) {
  for (const auto& spec : table) {
    if (spec.short_name != 0 && spec.short_name == c) return &spec;
  }
  return nullptr;
}

const OptionSpec* find_long(const OptionTable& table, std::string_view name) {
  for (const auto& spec : table) {
    if (!spec.long_name.empty() && spec.long_name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

std::string ParsedOptions::value(std::string_view name) const {
  auto it = given.find(name);
  return it == given.end() ? std::string() : it->second;
}

std::optional<ParsedOptions> parse_command_options(const std::vector<std::string>& args, const OptionTable& table,
                                                   std::string& error) {
  ParsedOptions out;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      out.operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg[1] == '-') {  // --name or --name=value
      std::string_view body = std::string_view(arg).substr(2);
      auto eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      const OptionSpec* spec = find_long(table, name);
      if (!spec) {
        error = "unknown option --" + std::string(name);
        return std::nullopt;
      }
      std::string value;
      if (spec->takes_value) {
        if (eq != std::string_view::npos) {
          value = std::string(body.substr(eq + 1));
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          error = "option --" + std::string(name) + " needs a value";
          return std::nullopt;
        }
      } else if (eq != std::string_view::npos) {
        error = "option --" + std::string(name) + " takes no value";
        return std::nullopt;
      }
      out.given[canonical(*spec)] = value;
      continue;
    }
    for (std::size_t k = 1; k < arg.size(); ++k) {  // -abc, -t5, -t 5
      const OptionSpec* spec = find_short(table, arg[k]);
      if (!spec) {
        error = std::string("unknown option -") + arg[k];
        return std::nullopt;
      }
      std::string value;
      if (spec->takes_value) {
        if (k + 1 < arg.size()) {
          value = arg.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          error = std::string("option -") + arg[k] + " needs a value";
          return std::nullopt;
        }
        out.given[canonical(*spec)] = value;
        break;
      }
      out.given[canonical(*spec)] = value;
    }
  }
  return out;
}

}  // namespace imgsh::shell
