#include "shell/remote_patterns.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "shell/local_paths.hpp"

namespace imgsh::shell {
namespace {

std::vector<proto::FileInfo> glob_listing(Client& client, const std::string& pattern) {
  std::string literal = pattern.substr(0, pattern.find_first_of("*?[\\"));
  // Globs match case-insensitively (*.jpg finds a camera's IMG_0001.JPG); the server's
  // prefix match is exact, so a prefix with letters in it is not sent.
  if (std::any_of(literal.begin(), literal.end(), [](unsigned char c) { return std::isalpha(c); })) literal.clear();
  auto files = client.list(literal, 0).files;
  // A name that really contains * ? [ matches itself too.
  std::erase_if(files, [&](const proto::FileInfo& f) {
    return f.name != pattern && ::fnmatch(pattern.c_str(), f.name.c_str(), FNM_CASEFOLD) != 0;
  });
  return files;
}

}  // namespace

std::vector<proto::FileInfo> list_matching(Client& client, const std::string& pattern) {
  return has_glob_chars(pattern) ? glob_listing(client, pattern) : client.list(pattern, 0).files;
}

std::vector<std::string> names_matching_glob(Client& client, const std::string& pattern) {
  std::vector<std::string> names;
  for (auto& f : glob_listing(client, pattern)) names.push_back(std::move(f.name));
  return names;
}

}  // namespace imgsh::shell
