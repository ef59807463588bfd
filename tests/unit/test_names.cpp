// Name rules (PROTOCOL.md section 5): what a stored file may be called.
#include <optional>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/error_code.hpp"
#include "protocol/names.hpp"

namespace imgsh::proto {
namespace {

using ::testing::HasSubstr;

// "n0", "n1", ...: a test name per parameter. Appended, since "n" + std::to_string()
// trips g++ 12's false -Wrestrict at -O3 (GCC bug 105329).
std::string param_name(std::size_t index) {
  std::string name = "n";
  name += std::to_string(index);
  return name;
}

// gtest prints parameters; keep control bytes readable in test names and failures.
std::string printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- accepted

class ValidName : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidName, IsAccepted) {
  auto problem = check_name(GetParam());
  EXPECT_FALSE(problem.has_value()) << printable(GetParam()) << ": " << (problem ? problem->message : "");
}

INSTANTIATE_TEST_SUITE_P(
    Names, ValidName,
    ::testing::Values("cat.jpg", "cat.jpeg", "cat.png", "CAT.JPEG", "CAT.JPG", "a b.PNG", "x.Png", "x.jPeG",
                      "caf\xc3\xa9.png",                   // café.png
                      "\xe7\x8c\xab.jpg",                  // 猫.jpg
                      "\xf0\x9f\x90\x88.jpeg",             // 🐈.jpeg
                      "a.b.c.png", "x..png", "-x.png", "~x.jpg", "x .png", "a\xc2\xa0" "b.png",  // NBSP is not a control
                      "a.jpg.png", std::string(251, 'n') + ".png",                             // 255 bytes
                      std::string(250, 'n') + ".jpeg"),                                        // 255 bytes
    [](const ::testing::TestParamInfo<std::string>& p) { return param_name(p.index); });

TEST(Names, MaximalLengthWithMultibyteCharacters) {
  // Two-byte characters up to exactly 255 bytes of valid UTF-8.
  std::string name;
  while (name.size() + 2 <= 255 - 5) name += "\xc3\xa9";  // é
  name += std::string(255 - 4 - name.size(), 'x') + ".png";
  ASSERT_EQ(name.size(), 255u);
  EXPECT_FALSE(check_name(name).has_value());
  // One byte more is too long even though it is valid UTF-8.
  EXPECT_EQ(check_name("x" + name)->code, Errc::invalid_name);
}

// ---------------------------------------------------------------- invalid_name

class InvalidName : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidName, IsInvalidName) {
  auto problem = check_name(GetParam());
  ASSERT_TRUE(problem.has_value()) << printable(GetParam()) << " was accepted";
  EXPECT_EQ(problem->code, Errc::invalid_name) << printable(GetParam()) << ": " << problem->message;
  EXPECT_FALSE(problem->message.empty());
}

using namespace std::string_literals;

INSTANTIATE_TEST_SUITE_P(
    Names, InvalidName,
    ::testing::Values(""s, std::string(252, 'n') + ".png",  // 256 bytes
                      std::string(1000, 'n') + ".png", "../x.png"s, "/x.png"s, "a/b.png"s, "x.png/"s, "a\\b.png"s,
                      "\\x.png"s, ".x.png"s, ".png"s, ".jpg"s, "."s, ".."s, "..png"s,
                      "a\0b.png"s,                       // embedded NUL
                      "x.png\0"s,                        // trailing NUL
                      "\0x.png"s,                        // leading NUL
                      "a\nb.png"s, "a\rb.png"s, "a\tb.png"s, "a\x1b[31mb.png"s, "\x01x.png"s, "a\x1f.png"s,
                      "a\x7f.png"s,                      // DEL
                      "a\xc2\x85.png"s,                  // U+0085 NEL, a C1 control
                      "a\xc2\x80.png"s,                  // U+0080
                      "a\xc2\x9f.png"s,                  // U+009F
                      "a\xff.png"s, "a\xfe.png"s, "a\x80.png"s,  // not UTF-8
                      "a\xc3.png"s,                      // truncated sequence
                      "a\xc0\xaf.png"s,                  // overlong '/'
                      "a\xe0\x80\xaf.png"s,              // overlong '/', 3 bytes
                      "a\xc0\x80.png"s,                  // overlong NUL
                      "a\xed\xa0\x80.png"s,              // surrogate U+D800
                      "a\xf4\x90\x80\x80.png"s,          // above U+10FFFF
                      "x.png\xc3"s),                     // truncated at the very end
    [](const ::testing::TestParamInfo<std::string>& p) { return param_name(p.index); });

TEST(Names, InvalidNameMessagesSayWhy) {
  EXPECT_THAT(check_name("")->message, HasSubstr("empty"));
  EXPECT_THAT(check_name(std::string(256, 'n'))->message, HasSubstr("255"));
  EXPECT_THAT(check_name("a/b.png")->message, HasSubstr("/"));
  EXPECT_THAT(check_name(".x.png")->message, HasSubstr("."));
  EXPECT_THAT(check_name("a\xff.png")->message, HasSubstr("UTF-8"));
  EXPECT_THAT(check_name("a\nb.png")->message, HasSubstr("control"));
}

TEST(Names, InvalidNameTakesPrecedenceOverUnsupportedType) {
  // A name that breaks the rules and has a bad extension is invalid_name.
  EXPECT_EQ(check_name("../etc/passwd")->code, Errc::invalid_name);
  EXPECT_EQ(check_name(".bashrc")->code, Errc::invalid_name);
  EXPECT_EQ(check_name("a\nb.txt")->code, Errc::invalid_name);
  EXPECT_EQ(check_name(std::string(300, 'n'))->code, Errc::invalid_name);
}

// ---------------------------------------------------------------- look-alike names

TEST(Names, NfdNameIsRefusedAndItsNfcFormAccepted) {
  const std::string nfc = "caf\xc3\xa9.png";   // é as U+00E9
  const std::string nfd = "cafe\xcc\x81.png";  // e + U+0301 COMBINING ACUTE ACCENT
  EXPECT_FALSE(check_name(nfc).has_value());
  auto problem = check_name(nfd);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->code, Errc::invalid_name);
  EXPECT_THAT(problem->message, HasSubstr("NFC"));
  // Hangul decomposed into jamo prints as the syllable; only the syllable is allowed.
  EXPECT_FALSE(check_name("\xed\x95\x9c.jpg").has_value());  // U+D55C
  EXPECT_EQ(check_name("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab.jpg")->code, Errc::invalid_name);
  // A combining mark with no precomposed form is NFC: it stays allowed.
  EXPECT_FALSE(check_name("q\xcc\x81.png").has_value());
}

class FormatCharacterName : public ::testing::TestWithParam<std::string> {};

TEST_P(FormatCharacterName, IsInvalidNameSayingWhich) {
  auto problem = check_name("a" + GetParam() + "b.png");
  ASSERT_TRUE(problem.has_value()) << printable(GetParam()) << " was accepted";
  EXPECT_EQ(problem->code, Errc::invalid_name);
  EXPECT_THAT(problem->message, HasSubstr("format characters"));
  EXPECT_THAT(problem->message, HasSubstr("U+"));
}

INSTANTIATE_TEST_SUITE_P(Names, FormatCharacterName,
                         ::testing::Values("\xe2\x80\xae",      // U+202E RIGHT-TO-LEFT OVERRIDE
                                           "\xe2\x80\xaa",      // U+202A LEFT-TO-RIGHT EMBEDDING
                                           "\xe2\x81\xa6",      // U+2066 LEFT-TO-RIGHT ISOLATE
                                           "\xe2\x80\x8f",      // U+200F RIGHT-TO-LEFT MARK
                                           "\xe2\x80\x8b",      // U+200B ZERO WIDTH SPACE
                                           "\xe2\x80\x8d",      // U+200D ZERO WIDTH JOINER
                                           "\xef\xbb\xbf",      // U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM)
                                           "\xc2\xad",          // U+00AD SOFT HYPHEN
                                           "\xe2\x80\xa8",      // U+2028 LINE SEPARATOR
                                           "\xe2\x80\xa9",      // U+2029 PARAGRAPH SEPARATOR
                                           "\xf3\xa0\x80\x81"),  // U+E0001 LANGUAGE TAG
                         [](const ::testing::TestParamInfo<std::string>& p) { return param_name(p.index); });

TEST(Names, RightToLeftOverrideMessageNamesTheCodePoint) {
  EXPECT_THAT(check_name("x\xe2\x80\xaegnp.jpg")->message, HasSubstr("U+202E"));
}

// ---------------------------------------------------------------- unsupported_type

class UnsupportedType : public ::testing::TestWithParam<std::string> {};

TEST_P(UnsupportedType, IsUnsupportedType) {
  auto problem = check_name(GetParam());
  ASSERT_TRUE(problem.has_value()) << printable(GetParam()) << " was accepted";
  EXPECT_EQ(problem->code, Errc::unsupported_type) << printable(GetParam()) << ": " << problem->message;
  // The message names the offending name.
  EXPECT_THAT(problem->message, HasSubstr(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Names, UnsupportedType,
                         ::testing::Values("x.gif", "x.txt", "png", "jpg", "x", "x.", "x.png.exe", "x.pn", "x.jpe",
                                           "x.jpgx", "x.png ", "x.webp", "x.tiff", "xpng", "x_jpeg", "x.PNG.gif",
                                           "x.p\xc3\xb1g"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return param_name(p.index);
                         });

// ---------------------------------------------------------------- kind_from_extension

TEST(KindFromExtension, KnownExtensionsAnyCase) {
  EXPECT_EQ(kind_from_extension("a.png"), ImageKind::png);
  EXPECT_EQ(kind_from_extension("a.PNG"), ImageKind::png);
  EXPECT_EQ(kind_from_extension("a.pNg"), ImageKind::png);
  EXPECT_EQ(kind_from_extension("a.jpg"), ImageKind::jpeg);
  EXPECT_EQ(kind_from_extension("a.JPG"), ImageKind::jpeg);
  EXPECT_EQ(kind_from_extension("a.jpeg"), ImageKind::jpeg);
  EXPECT_EQ(kind_from_extension("a.JpEg"), ImageKind::jpeg);
  EXPECT_EQ(kind_from_extension(".png"), ImageKind::png);  // the extension alone; check_name refuses the dot
  EXPECT_EQ(kind_from_extension("dir/a.jpeg"), ImageKind::jpeg);
}

TEST(KindFromExtension, EverythingElseIsUnknown) {
  for (std::string_view name : {"", "png", "jpg", "jpeg", "a.gif", "a.png.txt", "a.jpgg", "a.pngx", "a.", "apng",
                                "a.jp", "a.jpe", "a.png ", "a .pn g"}) {
    EXPECT_EQ(kind_from_extension(name), ImageKind::unknown) << name;
  }
}

// ---------------------------------------------------------------- is_valid_utf8

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the largest
}

TEST(IsValidUtf8, RefusesMalformedText) {
  for (std::string_view bad : {"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf",
                               "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
                               "\xfe", "\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1", "ok\xc3"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << printable(bad);
  }
}

}  // namespace
}  // namespace imgsh::proto
