#pragma once
// Splits a command line into words, shell-style: whitespace separates,
// "double" and 'single' quotes group, backslash escapes the next character.
#include <cstddef>
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

// The same scan for a line still being typed (Tab completion): every word with
// where it starts in the line, whether the line ends inside a word, and the
// quote still open at the end (0 when none).
struct ScannedLine {
  std::vector<std::string> words;
  std::vector<std::size_t> starts;
  bool ends_in_word = false;
  char open_quote = 0;
};

ScannedLine scan_words(std::string_view line);

// `text` written so that split_words reads it back as one word, continuing a
// word whose open quote is `quote` (0: outside quotes, backslash escapes).
std::string escape_word(std::string_view text, char quote);

}  // namespace imgsh::shell
