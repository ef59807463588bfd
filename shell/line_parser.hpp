#pragma once
// Splits a command line into words, shell-style: whitespace separates,
// "double" and 'single' quotes group, backslash escapes the next character.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::shell {

struct ParsedLine {
  std::vector<std::string> words;
  std::string error;  // non-empty: the line could not be parsed (unterminated quote)
};

ParsedLine split_words(std::string_view line);

}  // namespace imgsh::shell
