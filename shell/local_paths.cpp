#include "shell/local_paths.hpp"

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
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

namespace {

// glob(3) has no case-insensitive mode: each ASCII letter of the file-name part
// (outside brackets) becomes [xX], so *.jpg also finds IMG_0001.JPG. Directories
// and ~user keep their case.
std::string casefold_last_component(const std::string& pattern) {
  std::size_t start = pattern.rfind('/');
  start = start == std::string::npos ? 0 : start + 1;
  std::string out = pattern.substr(0, start);
  bool in_brackets = false;
  for (std::size_t i = start; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
    } else if (c == '[') {
      in_brackets = true;
      out += c;
    } else if (c == ']') {
      in_brackets = false;
      out += c;
    } else if (!in_brackets && std::isalpha(static_cast<unsigned char>(c))) {
      out += '[';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool has_glob_chars(const std::string& word) { return word.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand_local_pattern(const std::string& pattern) {
  std::string literal = expand_tilde(pattern);
  struct stat st {};
  if (!has_glob_chars(pattern) || ::lstat(literal.c_str(), &st) == 0) return {literal};  // a[1].png may be a name
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(casefold_last_component(pattern).c_str(), GLOB_TILDE, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;  // glob(3) sorts
}

}  // namespace imgsh::shell
