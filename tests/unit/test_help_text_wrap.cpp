// wrap_help_text: lines broken at spaces only, continuations under the
// description column, a word too long for that column moved left, never split.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "shell/help_text_wrap.hpp"

namespace {

using imgsh::shell::wrap_help_text;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

TEST(HelpTextWrap, BreaksAtSpacesUnderTheDescriptionColumn) {
  std::string row = "  get REMOTE [LOCAL]     download REMOTE into LOCAL; never overwrites a local file";
  auto wrapped = wrap_help_text(row + "\n", 40);
  EXPECT_EQ(words_of(wrapped), words_of(row));
  auto lines = lines_of(wrapped);
  ASSERT_GT(lines.size(), 1u);
  for (const auto& l : lines) EXPECT_LE(l.size(), 40u) << l;
  EXPECT_EQ(lines[0], "  get REMOTE [LOCAL]     download REMOTE");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].find_first_not_of(' '), 25u) << lines[i];  // under "download"
  }
}

TEST(HelpTextWrap, ShortLinesAndZeroWidthStayAsTheyAre) {
  std::string text = "usage: ls\n  list the stored images\n\nlast line without newline";
  EXPECT_EQ(wrap_help_text(text, 80), text);
  std::string long_text(300, 'x');
  EXPECT_EQ(wrap_help_text(long_text + " y\n", 0), long_text + " y\n");
}

TEST(HelpTextWrap, AWordTooLongForTheColumnMovesLeftWhole) {
  std::string row = "  --list-hosts                print the names of ($XDG_CONFIG_HOME/imgsh/config), one a line";
  auto lines = lines_of(wrap_help_text(row, 50));
  bool seen = false;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 50u) << l;
    if (l.find("($XDG_CONFIG_HOME/imgsh/config),") != std::string::npos) seen = true;
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(words_of(wrap_help_text(row, 50)), words_of(row));
}

TEST(HelpTextWrap, CountsUtf8CharactersNotBytes) {
  std::string row = "  \xC3\xA9t\xC3\xA9 \xC3\xA9t\xC3\xA9 \xC3\xA9t\xC3\xA9";  // "  été été été": 13 columns, 19 bytes
  EXPECT_EQ(wrap_help_text(row, 13), row);
  EXPECT_EQ(lines_of(wrap_help_text(row, 12)).size(), 2u);
}

}  // namespace
