#include "shell/client_config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "protocol/display_text.hpp"
#include "shell/local_paths.hpp"
#include "shell/target.hpp"

namespace imgsh::shell {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;  // a config file, not a data file

std::string at_line(const std::string& path, std::size_t line, const std::string& what) {
  return proto::escape_for_display(path) + " line " + std::to_string(line) + ": " + what;
}

// A host's name is what the user types where a target goes: no ':' or '/' (it
// would read as one), no leading '-' (an option), no space (a shell word).
bool is_host_name(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.size() > 255) return false;
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_')) return false;
  }
  return true;
}

// ~ as the home; a relative path is relative to the config file's directory
// (where a token file kept beside it is), not to wherever imgsh was started.
std::string resolve_path(const std::string& value, const std::string& config_path) {
  std::string path = expand_tilde(value);
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(config_path).parent_path() / path).string();
}

// A table's entries in the order of their lines in the file.
std::vector<std::pair<const toml::key*, const toml::node*>> by_line(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first->source().begin.line < b.first->source().begin.line;
  });
  return entries;
}

}  // namespace

const ConfiguredHost* ClientConfig::find(std::string_view name) const {
  for (const auto& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string client_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/imgsh/config";  // relative: ignored, as the spec says
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.config/imgsh/config";
  return {};
}

std::optional<ClientConfig> load_client_config(const std::string& path, std::string& error) {
  ClientConfig config;
  if (path.empty()) return config;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return config;  // no file: no named hosts
    error = proto::escape_for_display(path) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) > kMaxConfigBytes && !ec) {
    error = proto::escape_for_display(path) + ": larger than 1 MiB; not a config file";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  config.path = path;
  toml::table root;
  try {
    root = toml::parse(text.str(), path);
  } catch (const toml::parse_error& e) {
    error = at_line(path, e.source().begin.line, proto::escape_for_display(e.description()));
    return std::nullopt;
  }
  // toml++ keeps a table's keys sorted; hosts and errors go in the file's order.
  for (auto& [name_ptr, node_ptr] : by_line(root)) {
    const toml::key& name = *name_ptr;
    std::string host_name(name.str());
    auto* table = node_ptr->as_table();
    if (!table) {
      error = at_line(path, name.source().begin.line,
                      "'" + proto::escape_for_display(host_name) + "' is outside a [HOST] table (each host's keys follow its [NAME] line)");
      return std::nullopt;
    }
    if (!is_host_name(host_name)) {
      error = at_line(path, name.source().begin.line,
                      "'" + proto::escape_for_display(host_name) +
                          "' is not a host name (letters, digits, '.', '-' and '_'; no leading '-')");
      return std::nullopt;
    }
    ConfiguredHost host;
    host.name = host_name;
    for (auto& [key_ptr, value_ptr] : by_line(*table)) {
      const toml::key& key = *key_ptr;
      const toml::node& value = *value_ptr;
      std::string k(key.str());
      std::size_t line = key.source().begin.line;
      auto want_string = [&](std::string& out) {
        auto text_value = value.value_exact<std::string>();
        if (!text_value || text_value->empty()) {
          error = at_line(path, line, k + " must be a non-empty string (in quotes)");
          return false;
        }
        out = *text_value;
        return true;
      };
      if (k == "target") {
        if (!want_string(host.target)) return std::nullopt;
        std::string why;
        if (!parse_target(host.target, why)) {
          error = at_line(path, line, "target: " + proto::escape_for_display(why));
          return std::nullopt;
        }
      } else if (k == "ca" || k == "token-file") {
        std::string raw;
        if (!want_string(raw)) return std::nullopt;
        (k == "ca" ? host.ca_file : host.token_file) = resolve_path(raw, path);
      } else if (k == "tls") {
        auto flag = value.value_exact<bool>();
        if (!flag) {
          error = at_line(path, line, "tls must be true or false");
          return std::nullopt;
        }
        host.tls = *flag;
      } else if (value.is_table()) {  // [photos.example] is a table "example" inside [photos]
        error = at_line(path, line,
                        "[" + host_name + "." + proto::escape_for_display(k) + "]: a name with a dot needs quotes: [\"" +
                            host_name + "." + proto::escape_for_display(k) + "\"]");
        return std::nullopt;
      } else {
        error = at_line(path, line,
                        "unknown key '" + proto::escape_for_display(k) +
                            "' in [" + host_name + "] (known: target, tls, ca, token-file)");
        return std::nullopt;
      }
    }
    if (host.target.empty()) {
      error = at_line(path, name.source().begin.line, "[" + host_name + "] has no target");
      return std::nullopt;
    }
    config.hosts.push_back(std::move(host));
  }
  return config;
}

}  // namespace imgsh::shell
