// The header-only reader (protocol/image_header.hpp): for real encoders' files it gives the
// same facts as the full validation (check_image_file) and ImageMagick's identify; it reads
// no further than its bound; a file cut anywhere never crashes it and gives either no
// facts or the right ones.
#include <gtest/gtest.h>

#include <fstream>

#include "exif_test_support.hpp"
#include "image_test_support.hpp"
#include "protocol/image_header.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;

std::optional<ImageFacts> header_of(const fs::path& p, std::string_view name = {}, const HeaderLimits& limits = {}) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(fd) << "cannot open " << p;
  std::string n = name.empty() ? p.filename().string() : std::string(name);
  return read_image_header(fd.get(), n, limits);
}

std::optional<ImageFacts> header_of_bytes(const ScratchDir& dir, std::string_view name, const Bytes& b,
                                          const HeaderLimits& limits = {}) {
  write_bytes(dir / name, b);
  return header_of(dir / name, name, limits);
}

struct EncoderCase {
  const char* name;     // with its extension
  const char* command;  // %IN% (a 97 x 61 PNM), %OUT%
  bool gray_input;
};

void PrintTo(const EncoderCase& c, std::ostream* os) { *os << c.name; }

class HeaderOfEncoders : public ::testing::TestWithParam<EncoderCase> {};

TEST_P(HeaderOfEncoders, SameFactsAsTheFullCheckAndIdentify) {
  const EncoderCase& c = GetParam();
  ScratchDir dir;
  fs::path in = write_pnm(dir, c.gray_input ? "in.pgm" : "in.ppm", 97, 61, c.gray_input ? 1 : 3);
  write_pnm(dir, "alpha.pgm", 97, 61, 1, 7);
  fs::path out = dir / c.name;
  std::string cmd = c.command;
  for (auto [key, value] : {std::pair{std::string("%IN%"), quoted(in)}, {"%OUT%", quoted(out)},
                            {"%ALPHA%", quoted(dir / "alpha.pgm")}}) {
    for (auto at = cmd.find(key); at != std::string::npos; at = cmd.find(key)) cmd.replace(at, key.size(), value);
  }
  run(cmd);
  ImageCheck full = check_path(out);
  ASSERT_TRUE(full.ok()) << describe(full);
  auto facts = header_of(out);
  ASSERT_TRUE(facts);
  EXPECT_EQ(*facts, full.facts) << to_json(*facts).dump() << " vs " << to_json(full.facts).dump();
  EXPECT_EQ(std::to_string(facts->width) + " " + std::to_string(facts->height), identify_size(out));
  // For a PNG its IHDR's depth: %[bit-depth] is the least depth that holds the samples.
  std::string depth = facts->format == ImageKind::png ? "%[png:IHDR.bit-depth-orig]" : "%[bit-depth]";
  EXPECT_EQ(std::to_string(facts->bit_depth), run("identify -format '" + depth + "' " + quoted(out)));
}

INSTANTIATE_TEST_SUITE_P(
    Encoders, HeaderOfEncoders,
    ::testing::Values(EncoderCase{"baseline.jpg", "cjpeg -quality 85 %IN% > %OUT%", false},
                      EncoderCase{"progressive.jpg", "cjpeg -progressive %IN% > %OUT%", false},
                      EncoderCase{"grayscale.jpg", "cjpeg -grayscale %IN% > %OUT%", true},
                      EncoderCase{"cmyk.jpg", "convert %IN% -strip -colorspace CMYK JPEG:%OUT%", false},
                      EncoderCase{"rgb8.png", "pnmtopng %IN% > %OUT%", false},
                      EncoderCase{"rgb16.png", "convert %IN% -strip -depth 16 PNG48:%OUT%", false},
                      EncoderCase{"adam7.png", "pnmtopng -interlace %IN% > %OUT%", false},
                      EncoderCase{"palette.png", "convert %IN% -strip -colors 16 PNG8:%OUT%", false},
                      EncoderCase{"gray_alpha.png", "pnmtopng -alpha=%ALPHA% %IN% > %OUT%", true}),
    [](const auto& test_case) {
      std::string n = test_case.param.name;
      return n.substr(0, n.find('.')) + (n.ends_with(".png") ? "_png" : "_jpg");
    });

Bytes cjpeg(const ScratchDir& dir) {
  fs::path in = write_pnm(dir, "in.ppm", 64, 48, 3);
  run("cjpeg " + quoted(in) + " > " + quoted(dir / "plain.jpg"));
  return read_bytes(dir / "plain.jpg");
}

TEST(ImageHeader, ExifFactsOfAJpeg) {
  ScratchDir dir;
  Bytes jpg = with_app1(cjpeg(dir), exif_app1_payload({true, 6, "Header Cam", "2021:05:06 07:08:09"}));
  auto facts = header_of_bytes(dir, "e.jpg", jpg);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->orientation, 6);
  EXPECT_EQ(facts->camera_model, "Header Cam");
  EXPECT_EQ(facts->capture_time, "2021-05-06T07:08:09");
}

TEST(ImageHeader, ExifOfAPngBeforeItsImageData) {
  ScratchDir dir;
  Bytes png = hand_png(20, 10, 8, 2, 3, png_chunk("eXIf", exif_tiff({false, 3, "PNG Cam", "2019:07:04 22:10:00"})));
  auto facts = header_of_bytes(dir, "e.png", png);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->width, 20u);
  EXPECT_EQ(facts->orientation, 3);
  EXPECT_EQ(facts->camera_model, "PNG Cam");
}

TEST(ImageHeader, NoFactsForWhatIsNotTheImageItsNameSays) {
  ScratchDir dir;
  Bytes png = hand_png(20, 10, 8, 2, 3);
  EXPECT_FALSE(header_of_bytes(dir, "text.png", to_bytes("just some text, not a picture\n")));
  EXPECT_FALSE(header_of_bytes(dir, "png-named.jpg", png));
  EXPECT_FALSE(header_of_bytes(dir, "empty.png", {}));
  Bytes zeros = kPngSignature;
  zeros.resize(4096, 0);
  EXPECT_FALSE(header_of_bytes(dir, "zeros.png", zeros));
  EXPECT_TRUE(header_of_bytes(dir, "real.png", png));
}

// Bytes the process has read through read(2)/pread(2) so far (/proc/self/io rchar).
std::uint64_t bytes_read_so_far() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  ADD_FAILURE() << "no rchar in /proc/self/io";
  return 0;
}

// A JPEG whose frame header comes after 8 MiB of comment segments: past the bound there
// are no facts, and no more than the bound is read; a bound past the comments finds them.
TEST(ImageHeader, ReadsNoFurtherThanItsBound) {
  ScratchDir dir;
  Bytes plain = cjpeg(dir);
  Bytes jpg(plain.begin(), plain.begin() + 2);
  Bytes comment{0xFF, 0xFE, 0xFF, 0xFF};
  comment.resize(2 + 0xFFFF, 'c');
  for (int i = 0; i < 128; ++i) jpg.insert(jpg.end(), comment.begin(), comment.end());
  jpg.insert(jpg.end(), plain.begin() + 2, plain.end());
  write_bytes(dir / "late.jpg", jpg);

  HeaderLimits limits;
  limits.max_bytes = 1024 * 1024;
  std::uint64_t before = bytes_read_so_far();
  EXPECT_FALSE(header_of(dir / "late.jpg", {}, limits));
  std::uint64_t read = bytes_read_so_far() - before;
  EXPECT_LE(read, limits.max_bytes + 64 * 1024) << "read " << read << " bytes";  // + the test's own /proc reads

  limits.max_bytes = 16 * 1024 * 1024;
  auto facts = header_of(dir / "late.jpg", {}, limits);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->width, 64u);
}

// Every prefix of a JPEG with EXIF and of a PNG with eXIf: no crash, and either no facts
// (the header is not complete) or the facts of the whole file (it is).
TEST(ImageHeader, TruncatedAtEveryOffset) {
  ScratchDir dir;
  Bytes jpg = with_app1(cjpeg(dir), exif_app1_payload({false, 8, "Cut Cam", "2020:01:02 03:04:05"}));
  Bytes png = hand_png(20, 10, 8, 6, 4, png_chunk("eXIf", exif_tiff({true, 2, "Cut PNG", std::nullopt})));
  for (const auto& [name, whole] : {std::pair{std::string("cut.jpg"), jpg}, std::pair{std::string("cut.png"), png}}) {
    auto full = header_of_bytes(dir, name, whole);
    ASSERT_TRUE(full) << name;
    std::size_t first_with_facts = whole.size() + 1;
    for (std::size_t n = 0; n < whole.size(); ++n) {
      auto facts = header_of_bytes(dir, name, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
      if (!facts) {
        EXPECT_GT(first_with_facts, whole.size()) << name << " has facts cut at " << first_with_facts
                                                  << " but none cut at " << n;
        continue;
      }
      first_with_facts = std::min(first_with_facts, n);
      if (name.ends_with(".jpg")) {
        EXPECT_EQ(*facts, *full) << name << " cut at " << n;
      } else {  // the IHDR alone already gives the size; the eXIf comes with its chunk
        EXPECT_EQ(facts->width, full->width) << n;
        EXPECT_EQ(facts->color, full->color) << n;
      }
    }
    EXPECT_LT(first_with_facts, whole.size()) << name;
    if (name.ends_with(".png")) {
      // Signature 8, then IHDR's length, type and 13 bytes of data (libspng checks its CRC later).
      EXPECT_GE(first_with_facts, 29u);
      EXPECT_LE(first_with_facts, 33u);
    }
  }
}

}  // namespace
}  // namespace imgsh::proto
