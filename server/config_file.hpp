#pragma once
// imgsrv's configuration file: every command-line option as `name = value`
// (TOML/INI, read by CLI11; `port = 7070` for the PORT argument). CLI11 2.1
// does not say on which line a key stands, so this formatter remembers each
// key's line as it reads, and errors can name it: a typo in a key must be
// found by the operator in one look.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace imgsh::server {

inline constexpr const char* kDefaultConfigFile = "/etc/imgsrv/imgsrv.conf";

class LineTrackingConfig : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  // The line of `key` in the last file read (1-based), or 0 if it is not there.
  int line_of(const std::string& key) const;
  // The key names read, for matching them in CLI11's error messages.
  const std::map<std::string, int>& lines() const { return lines_; }
  // The values the file gives `key`, or nullptr if it does not name it.
  const std::vector<std::string>* inputs_of(const std::string& key) const;

 private:
  mutable std::map<std::string, int> lines_;
  mutable std::map<std::string, std::vector<std::string>> inputs_;
};

// Installs --config FILE (default kDefaultConfigFile, read only when present)
// and makes an unknown key an error. Returns the formatter, to ask it for lines.
std::shared_ptr<LineTrackingConfig> add_config_file(CLI::App& app);

// If a parse error concerns a key read from the config file (and not given on
// the command line, which overrides the file), says so with the file and line:
//   "unknown key 'max-sesions' in /etc/imgsrv/imgsrv.conf line 12"
// Otherwise returns CLI11's own message.
std::string explain_parse_error(const CLI::ParseError& error, const CLI::App& app,
                                const LineTrackingConfig& config);

// " (FILE line N)" when option `key` (without its --) came from the config
// file, "" when it came from the command line or is not set: for the checks
// main() makes after parsing.
std::string config_origin(const std::string& key, const CLI::App& app, const LineTrackingConfig& config);

}  // namespace imgsh::server
