#include "server/config_file.hpp"

#include <cctype>
#include <sstream>
#include <string_view>

namespace imgsh::server {

namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Whether the value in force for `key` is not the file's: the command line,
// read first, overrides the file (CLI11 then skips the file's item). Compares
// the option's results with the file's inputs, so it works for PORT too.
bool overridden(const std::string& key, const CLI::App& app, const LineTrackingConfig& config) {
  const CLI::Option* opt = app.get_option_no_throw(key == "port" ? std::string("PORT") : "--" + key);
  if (opt == nullptr) return false;
  const std::vector<std::string>* inputs = config.inputs_of(key);
  return inputs != nullptr && opt->count() > 0 && opt->results() != *inputs;
}

std::string config_path(const CLI::App& app) {
  const CLI::Option* opt = app.get_config_ptr();
  if (opt == nullptr) return kDefaultConfigFile;
  auto files = opt->as<std::vector<std::string>>();
  return files.empty() ? std::string(kDefaultConfigFile) : files.front();
}

// The key of a config line (as CLI11 reads it: the text before '=', inside
// [section] as section.key), or "" for a blank, comment or section line.
std::string key_of(const std::string& line, const std::string& section) {
  if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[') return {};
  auto eq = line.find('=');
  std::string key = trim(line.substr(0, eq));
  if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front()) {
    key = key.substr(1, key.size() - 2);
  }
  return section.empty() || section == "default" ? key : section + "." + key;
}

}  // namespace

std::vector<CLI::ConfigItem> LineTrackingConfig::from_config(std::istream& input) const {
  std::ostringstream whole;
  whole << input.rdbuf();
  std::string text = whole.str();
  lines_.clear();
  std::istringstream reader(text);
  std::string line;
  std::string section;
  for (int number = 1; std::getline(reader, line); ++number) {
    line = trim(line);
    if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      // CLI11 reads a section's opening as the item "section.++".
      if (!lines_.count(section + ".++")) lines_[section + ".++"] = number;
      continue;
    }
    std::string key = key_of(line, section);
    if (!key.empty() && !lines_.count(key)) lines_[key] = number;
  }
  std::istringstream again(text);
  auto parsed = CLI::ConfigTOML::from_config(again);
  inputs_.clear();
  for (const auto& item : parsed) inputs_[item.fullname()] = item.inputs;
  return parsed;
}

const std::vector<std::string>* LineTrackingConfig::inputs_of(const std::string& key) const {
  auto it = inputs_.find(key);
  return it == inputs_.end() ? nullptr : &it->second;
}

int LineTrackingConfig::line_of(const std::string& key) const {
  auto it = lines_.find(key);
  return it == lines_.end() ? 0 : it->second;
}

std::shared_ptr<LineTrackingConfig> add_config_file(CLI::App& app) {
  auto formatter = std::make_shared<LineTrackingConfig>();
  app.config_formatter(formatter);
  app.set_config("--config", kDefaultConfigFile,
                 "read options from FILE (name = value, one a line; the command line overrides it)")
      ->type_name("FILE");
  app.allow_config_extras(false);  // a misspelt key must not pass silently
  return formatter;
}

std::string config_origin(const std::string& key, const CLI::App& app, const LineTrackingConfig& config) {
  int line = config.line_of(key);
  if (line == 0 || overridden(key, app, config)) return {};
  return " (" + config_path(app) + " line " + std::to_string(line) + ")";
}

std::string explain_parse_error(const CLI::ParseError& error, const CLI::App& app,
                                const LineTrackingConfig& config) {
  std::string message = error.what();
  // CLI11 reports an unknown key as "INI was not able to parse KEY".
  static constexpr std::string_view kExtras = "INI was not able to parse ";
  if (error.get_name() == "ConfigError" && message.rfind(kExtras, 0) == 0) {
    std::string key = message.substr(kExtras.size());
    int line = config.line_of(key);
    std::string where = " in " + config_path(app) + (line ? " line " + std::to_string(line) : std::string());
    // imgsrv has no sections: every key stands at the top of the file.
    static constexpr std::string_view kSection = ".++";
    if (key.size() > kSection.size() && key.ends_with(kSection)) {
      return "unknown section [" + key.substr(0, key.size() - kSection.size()) + "]" + where;
    }
    return "unknown key '" + key + "'" + where;
  }
  // A bad value: CLI11's message names the option (--max-sessions, or PORT);
  // the longest key it names is the one at fault (not --tls for --tls-min).
  std::string best;
  for (const auto& [key, line] : config.lines()) {
    std::string name = key == "port" ? "PORT" : "--" + key;
    auto at = message.find(name);
    bool whole = at != std::string::npos &&
                 (at + name.size() == message.size() ||
                  !(std::isalnum(static_cast<unsigned char>(message[at + name.size()])) ||
                    message[at + name.size()] == '-'));
    if (whole && key.size() > best.size()) best = key;
  }
  if (!best.empty()) message += config_origin(best, app, config);
  return message;
}

}  // namespace imgsh::server
