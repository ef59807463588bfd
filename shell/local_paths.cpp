#include "shell/local_paths.hpp"

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace imgsh::shell {

std::string expand_tilde(const std::string& path) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    const passwd* pw = ::getpwuid(::getuid());
    if (!pw) return path;
    home = pw->pw_dir;
  }
  return std::string(home) + path.substr(1);
}

bool has_glob_chars(const std::string& word) { return word.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand_local_pattern(const std::string& pattern) {
  std::string literal = expand_tilde(pattern);
  struct stat st {};
  if (!has_glob_chars(pattern) || ::lstat(literal.c_str(), &st) == 0) return {literal};  // a[1].png may be a name
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_TILDE, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;  // glob(3) sorts
}

}  // namespace imgsh::shell
