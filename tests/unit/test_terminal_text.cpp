// escape_for_terminal: what a hostile server or file name could use to
// rewrite the terminal comes out as visible text; ordinary text is unchanged.
#include <gtest/gtest.h>

#include <string>

#include "shell/terminal_text.hpp"

namespace {

using imgsh::shell::escape_for_terminal;

TEST(TerminalText, PlainAndUnicodeTextUnchanged) {
  EXPECT_EQ(escape_for_terminal("cat.jpg"), "cat.jpg");
  EXPECT_EQ(escape_for_terminal("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.png"), "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.png");
  EXPECT_EQ(escape_for_terminal("\xF0\x9F\x98\x80.png"), "\xF0\x9F\x98\x80.png");  // U+1F600
  EXPECT_EQ(escape_for_terminal(""), "");
}

TEST(TerminalText, C0ControlsNewlineTabAndDelEscaped) {
  EXPECT_EQ(escape_for_terminal("a\x1b]0;owned\x07z"), "a\\x1B]0;owned\\x07z");  // OSC title set
  EXPECT_EQ(escape_for_terminal("x\x1b[2Jy"), "x\\x1B[2Jy");                     // clear screen
  EXPECT_EQ(escape_for_terminal("one\nfake ok\r\t"), "one\\x0Afake ok\\x0D\\x09");
  EXPECT_EQ(escape_for_terminal(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_for_terminal("\x7f"), "\\x7F");
}

TEST(TerminalText, C1ControlsEscaped) {
  EXPECT_EQ(escape_for_terminal("\xC2\x9B" "31m"), "\\u{009B}31m");  // C1 CSI
  EXPECT_EQ(escape_for_terminal("\xC2\x80\xC2\x9F\xC2\xA0"), "\\u{0080}\\u{009F}\xC2\xA0");  // NBSP stays
}

TEST(TerminalText, BidiAndSeparatorsEscaped) {
  EXPECT_EQ(escape_for_terminal("a\xE2\x80\xAEgnp.exe"), "a\\u{202E}gnp.exe");  // RLO
  EXPECT_EQ(escape_for_terminal("\xE2\x80\xAA\xE2\x81\xA6\xE2\x81\xA9\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C"),
            "\\u{202A}\\u{2066}\\u{2069}\\u{200E}\\u{200F}\\u{061C}");
  EXPECT_EQ(escape_for_terminal("l1\xE2\x80\xA8l2\xE2\x80\xA9"), "l1\\u{2028}l2\\u{2029}");
}

TEST(TerminalText, InvalidUtf8EscapedBytewise) {
  EXPECT_EQ(escape_for_terminal("a\xFFz"), "a\\xFFz");
  EXPECT_EQ(escape_for_terminal("\xC0\xAF"), "\\xC0\\xAF");          // overlong '/'
  EXPECT_EQ(escape_for_terminal("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // surrogate
  EXPECT_EQ(escape_for_terminal("\xE2\x80"), "\\xE2\\x80");          // truncated
  EXPECT_EQ(escape_for_terminal("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
}

TEST(TerminalText, OutputNeverHoldsAControlByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (unsigned char c : escape_for_terminal(all)) {
    EXPECT_FALSE(c < 0x20 || c == 0x7F) << int(c);
  }
}

}  // namespace
