#include "shell/remote_patterns.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "shell/local_paths.hpp"

namespace imgsh::shell {
namespace {

// The prefix the server is asked for, for a glob.
std::string literal_prefix(const std::string& pattern) {
  std::string literal = pattern.substr(0, pattern.find_first_of("*?[\\"));
  // Globs match case-insensitively (*.jpg finds a camera's IMG_0001.JPG); the server's
  // prefix match is exact, so a prefix with letters in it is not sent.
  if (std::any_of(literal.begin(), literal.end(), [](unsigned char c) { return std::isalpha(c); })) literal.clear();
  return literal;
}

// A name that really contains * ? [ matches itself too.
bool glob_matches(const std::string& pattern, const std::string& name) {
  return name == pattern || ::fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0;
}

// Only the matching entries are held, as they arrive.
std::vector<proto::FileInfo> glob_listing(Client& client, const std::string& pattern) {
  return client.list(literal_prefix(pattern), 0, [&](const proto::FileInfo& f) { return glob_matches(pattern, f.name); })
      .files;
}

}  // namespace

std::vector<proto::FileInfo> list_matching(Client& client, const std::string& pattern) {
  return has_glob_chars(pattern) ? glob_listing(client, pattern) : client.list(pattern, 0).files;
}

void each_matching(Client& client, const std::string& pattern, const Client::ListEntryFn& on_file) {
  if (!has_glob_chars(pattern)) {
    client.list_each(pattern, 0, on_file);
    return;
  }
  client.list_each(literal_prefix(pattern), 0, [&](proto::FileInfo&& f) {
    if (glob_matches(pattern, f.name)) on_file(std::move(f));
  });
}

std::vector<std::string> names_matching_glob(Client& client, const std::string& pattern) {
  std::vector<std::string> names;
  for (auto& f : glob_listing(client, pattern)) names.push_back(std::move(f.name));
  return names;
}

}  // namespace imgsh::shell
