#pragma once
// imgsh's config file, $XDG_CONFIG_HOME/imgsh/config (else ~/.config/imgsh/config):
// named hosts, as ~/.ssh/config hosts or rclone remotes, so `imgsh photos` works.
// TOML, read by toml++ (libtomlplusplus-dev), whose errors carry the line:
//
//   [photos]                              # the name given to imgsh
//   target = "imgs://photos.example"      # HOST[:PORT], imgs:// for TLS
//   ca = "~/certs/photos-ca.pem"          # implies TLS
//   token-file = "photos.token"           # relative: beside the config file
//   tls = true
//
// An unknown key, a key outside a [host] table, a wrong type or a line that is
// not TOML is an error naming the file and the line: a typo must not pass
// silently. Options on the command line override the file's.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::shell {

struct ConfiguredHost {
  std::string name;
  std::string target;      // as on the command line: HOST[:PORT], [ADDR][:PORT], imgs://...
  bool tls = false;
  std::string ca_file;     // paths with ~ expanded, relative ones made relative to the file's directory
  std::string token_file;
};

struct ClientConfig {
  std::string path;  // the file read ("" when there was none)
  std::vector<ConfiguredHost> hosts;  // in the file's order

  // The host called `name`, or nullptr.
  const ConfiguredHost* find(std::string_view name) const;
};

// $XDG_CONFIG_HOME/imgsh/config, else $HOME/.config/imgsh/config ("" without either).
std::string client_config_path();

// Reads `path`; a file that does not exist is an empty config. On an error
// returns nullopt and `error` says "FILE line N: what" (escaped for display).
std::optional<ClientConfig> load_client_config(const std::string& path, std::string& error);

}  // namespace imgsh::shell
