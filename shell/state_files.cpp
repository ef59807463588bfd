#include "shell/state_files.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

namespace imgsh::shell {
namespace {

constexpr std::size_t kMaxTargets = 100;

}  // namespace

std::string state_dir() {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') {
    dir = fs::path(xdg) / "imgsh";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = fs::path(home) / ".local" / "state" / "imgsh";
  } else {
    return {};
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return {};
  fs::permissions(dir, fs::perms::owner_all, ec);
  return dir.string();
}

std::string history_file() {
  std::string dir = state_dir();
  return dir.empty() ? dir : dir + "/history";
}

void remember_target(const std::string& target) {
  std::string dir = state_dir();
  if (dir.empty() || target.empty()) return;
  std::string path = dir + "/targets";
  std::vector<std::string> lines{target};
  std::ifstream in(path);
  for (std::string line; std::getline(in, line) && lines.size() < kMaxTargets;) {
    if (!line.empty() && line != target) lines.push_back(line);
  }
  in.close();
  // Write beside and rename, so two shells finishing at once leave a whole file.
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    for (const auto& line : lines) out << line << "\n";
    if (!out) {
      std::remove(temp.c_str());
      return;
    }
  }
  std::rename(temp.c_str(), path.c_str());
}

}  // namespace imgsh::shell
