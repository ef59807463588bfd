#pragma once
// Blanks (space, tab, CR, LF) removed from both ends of a line.
#include <string_view>

namespace imgsh::shell {

inline std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace imgsh::shell
