// escape_for_display: what a log line or a terminal shows of text from outside.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocol/display_text.hpp"

namespace imgsh::proto {
namespace {

TEST(DisplayText, PlainAndNonAsciiTextPassesUnchanged) {
  EXPECT_EQ(escape_for_display(""), "");
  EXPECT_EQ(escape_for_display("cat.jpg"), "cat.jpg");
  EXPECT_EQ(escape_for_display("imgsh/1.0 (linux)"), "imgsh/1.0 (linux)");
  EXPECT_EQ(escape_for_display("caf\xc3\xa9 \xe7\x8c\xab \xf0\x9f\x90\x88"), "caf\xc3\xa9 \xe7\x8c\xab \xf0\x9f\x90\x88");
  EXPECT_EQ(escape_for_display("a\xc2\xa0" "b"), "a\xc2\xa0" "b");  // NBSP is visible space, not a control
}

TEST(DisplayText, C0ControlsDelAndBackslashAreByteEscapes) {
  EXPECT_EQ(escape_for_display(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_for_display("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(escape_for_display("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_for_display("a\x7f"), "a\\x7f");
  // The backslash is escaped too, so an escape in the output is never forged by input.
  EXPECT_EQ(escape_for_display("a\\x0ab"), "a\\x5cx0ab");
}

TEST(DisplayText, C1ControlsAreEscaped) {
  EXPECT_EQ(escape_for_display("a\xc2\x80z"), "a\\u{0080}z");
  EXPECT_EQ(escape_for_display("a\xc2\x85z"), "a\\u{0085}z");  // NEL: a line break to some readers
  EXPECT_EQ(escape_for_display("a\xc2\x9b" "31mz"), "a\\u{009B}31mz");  // CSI
  EXPECT_EQ(escape_for_display("a\xc2\x9cz"), "a\\u{009C}z");  // ST
  EXPECT_EQ(escape_for_display("a\xc2\x9fz"), "a\\u{009F}z");
}

TEST(DisplayText, LineSeparatorsBidiAndFormatCharactersAreEscaped) {
  EXPECT_EQ(escape_for_display("a\xe2\x80\xa8z"), "a\\u{2028}z");
  EXPECT_EQ(escape_for_display("a\xe2\x80\xa9z"), "a\\u{2029}z");
  EXPECT_EQ(escape_for_display("a\xe2\x80\xaez"), "a\\u{202E}z");  // RLO
  EXPECT_EQ(escape_for_display("a\xe2\x81\xa6z"), "a\\u{2066}z");  // LRI
  EXPECT_EQ(escape_for_display("a\xe2\x80\x8bz"), "a\\u{200B}z");  // zero width space
  EXPECT_EQ(escape_for_display("a\xef\xbb\xbfz"), "a\\u{FEFF}z");
  EXPECT_EQ(escape_for_display("a\xf3\xa0\x80\x81z"), "a\\u{E0001}z");
}

TEST(DisplayText, InvalidUtf8IsEscapedByteWise) {
  EXPECT_EQ(escape_for_display("a\xffz"), "a\\xffz");
  EXPECT_EQ(escape_for_display("a\x80z"), "a\\x80z");
  EXPECT_EQ(escape_for_display("a\xc3"), "a\\xc3");                    // truncated at the end
  EXPECT_EQ(escape_for_display("a\xc0\xafz"), "a\\xc0\\xafz");         // overlong '/'
  EXPECT_EQ(escape_for_display("a\xed\xa0\x80z"), "a\\xed\\xa0\\x80z");  // surrogate
  EXPECT_EQ(escape_for_display("a\xc2\xc2\x85z"), "a\\xc2\\u{0085}z");  // resynchronises
}

TEST(DisplayText, OutputIsOneLineOfValidVisibleText) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  all += "\xe2\x80\xa8\xe2\x80\xae";
  std::string shown = escape_for_display(all);
  for (char c : shown) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u != 0x7f) << "raw byte " << int(u) << " in output";
  }
}

}  // namespace
}  // namespace imgsh::proto
