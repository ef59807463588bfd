// JPEG validation (protocol/image_check.hpp): real encoders' files pass with the right
// facts (ImageMagick's identify as referee), broken and hostile files are refused with
// a code and a message that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image_test_support.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The offset of the first marker FF `code` in a JPEG's header part (before entropy data).
std::size_t find_marker(const Bytes& b, std::uint8_t code) {
  std::size_t i = 2;
  while (i + 4 <= b.size() && b[i] == 0xFF) {
    if (b[i + 1] == code) return i;
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  ADD_FAILURE() << "no marker FF " << std::hex << int(code);
  return 0;
}

// The entropy-coded bytes of the first scan: [begin, end) between SOS's header and the next marker.
std::pair<std::size_t, std::size_t> first_scan(const Bytes& b) {
  std::size_t sos = find_marker(b, 0xDA);
  std::size_t begin = sos + 2 + ((b[sos + 2] << 8) | b[sos + 3]);
  std::size_t end = begin;
  while (end + 1 < b.size() && !(b[end] == 0xFF && b[end + 1] != 0x00)) ++end;
  return {begin, end};
}

fs::path encode(const ScratchDir& dir, const std::string& name, const std::string& command_tail, bool gray = false,
                std::uint32_t w = 97, std::uint32_t h = 61) {
  fs::path in = write_pnm(dir, gray ? "in.pgm" : "in.ppm", w, h, gray ? 1 : 3);
  fs::path out = dir / name;
  run(command_tail + " " + quoted(in) + " > " + quoted(out));
  return out;
}

struct JpegCase {
  const char* name;
  const char* command;  // reads the PNM named after it, writes the JPEG to stdout
  bool gray_input;
  ColorModel color;
  bool progressive;
};

void PrintTo(const JpegCase& c, std::ostream* os) { *os << c.name; }

class JpegEncoders : public ::testing::TestWithParam<JpegCase> {};

TEST_P(JpegEncoders, ValidatesWithTheRightFacts) {
  const JpegCase& c = GetParam();
  ScratchDir dir;
  fs::path out = encode(dir, std::string(c.name) + ".jpg", c.command, c.gray_input);
  ImageCheck r = check_path(out);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.format, ImageKind::jpeg);
  EXPECT_EQ(std::to_string(r.facts.width) + " " + std::to_string(r.facts.height), identify_size(out));
  EXPECT_EQ(r.facts.width, 97u);
  EXPECT_EQ(r.facts.height, 61u);
  EXPECT_EQ(r.facts.bit_depth, 8);
  EXPECT_EQ(r.facts.color, c.color) << to_string(r.facts.color);
  EXPECT_EQ(r.facts.progressive, c.progressive);
  EXPECT_FALSE(r.facts.orientation);
}

INSTANTIATE_TEST_SUITE_P(
    Jpeg, JpegEncoders,
    ::testing::Values(JpegCase{"baseline", "cjpeg -quality 85", false, ColorModel::ycbcr, false},
                      JpegCase{"progressive", "cjpeg -progressive", false, ColorModel::ycbcr, true},
                      JpegCase{"grayscale", "cjpeg -grayscale", true, ColorModel::gray, false},
                      JpegCase{"restarts", "cjpeg -restart 1 -optimize", false, ColorModel::ycbcr, false},
                      JpegCase{"arithmetic", "cjpeg -arithmetic", false, ColorModel::ycbcr, false},
                      JpegCase{"rgb", "cjpeg -rgb", false, ColorModel::rgb, false},
                      JpegCase{"cmyk", "convert - -strip -colorspace CMYK -quality 85 JPEG:- <", false,
                               ColorModel::ycck, false}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(JpegCheck, TruncatedAtTenOffsetsIsRefused) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "t.jpg", "cjpeg -quality 90", false, 160, 120));
  auto [scan, scan_end] = first_scan(jpg);
  std::size_t n = jpg.size();
  for (std::size_t cut : {std::size_t{3}, std::size_t{20}, std::size_t{100}, scan - 1, scan + 1, (scan + n) / 2,
                          n - 100, n - 3, n - 2, n - 1}) {
    Bytes b(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(cut));
    ImageCheck r = check_bytes(dir, "cut.jpg", b);
    ASSERT_FALSE(r.ok()) << "cut at " << cut << " of " << n;
    EXPECT_EQ(r.problem->code, Errc::not_an_image) << cut;
    EXPECT_EQ(r.problem->message, "cut.jpg: truncated: JPEG data ends early (no EOI marker)") << cut;
  }
  EXPECT_TRUE(check_bytes(dir, "whole.jpg", jpg).ok());
  // Bytes after EOI are let through (cameras append things there).
  Bytes trailing = jpg;
  trailing.resize(trailing.size() + 100, 0x42);
  EXPECT_TRUE(check_bytes(dir, "trailing.jpg", trailing).ok());
}

// JPEG has no checksums: a flipped byte shows only when it desynchronises the Huffman
// decoder (a flipped magnitude bit just changes a coefficient, for any decoder). So each
// flip's verdict must match libjpeg-turbo's own strictest reading (djpeg -strict: every
// warning fatal) as outside referee, and most flips must be caught.
TEST(JpegCheck, FlippedEntropyByteIsRefusedWhenDjpegStrictRefusesIt) {
  ScratchDir dir;
  for (const char* command : {"cjpeg -quality 90", "cjpeg -progressive"}) {
    Bytes jpg = read_bytes(encode(dir, "f.jpg", command, false, 160, 120));
    ASSERT_TRUE(check_bytes(dir, "f.jpg", jpg).ok());
    auto [begin, end] = first_scan(jpg);
    ASSERT_GT(end - begin, 100u) << command;
    int refused = 0, tried = 0;
    for (std::size_t at = begin + 10; at < end - 10; at += (end - begin) / 16) {
      Bytes b = jpg;
      b[at] ^= 0x5A;
      if (b[at] == 0xFF || jpg[at] == 0xFF || jpg[at - 1] == 0xFF) continue;  // keep the byte stuffing intact
      ++tried;
      write_bytes(dir / "flip.jpg", b);
      bool referee_ok = std::system(("djpeg -strict " + quoted(dir / "flip.jpg") + " > /dev/null 2>&1").c_str()) == 0;
      ImageCheck r = check_path(dir / "flip.jpg");
      EXPECT_EQ(r.ok(), referee_ok) << command << ", byte " << at << ": " << describe(r);
      if (r.ok()) continue;
      ++refused;
      EXPECT_EQ(r.problem->code, Errc::not_an_image);
      EXPECT_THAT(r.problem->message, StartsWith("flip.jpg: JPEG entropy-coded data is damaged: Corrupt JPEG data"));
    }
    EXPECT_GE(refused * 3, tried) << command << ": " << refused << " of " << tried;
    // A byte flipped into a marker prefix (FF then a marker code) always desynchronises.
    Bytes b = jpg;
    std::size_t mid = (begin + end) / 2;
    while (jpg[mid] == 0xFF || jpg[mid + 1] == 0xFF || jpg[mid + 1] == 0x00 || jpg[mid - 1] == 0xFF) ++mid;
    b[mid] = 0xFF;
    ImageCheck r = check_bytes(dir, "marker.jpg", b);
    ASSERT_FALSE(r.ok()) << command;
    EXPECT_THAT(r.problem->message, StartsWith("marker.jpg: JPEG entropy-coded data is damaged: Corrupt JPEG data"));
  }
}

// ImageMagick writes CMYK as YCCK (Adobe transform 2); with transform 0 the same samples
// are plain CMYK. Both decode; the facts say which.
TEST(JpegCheck, AdobeTransformSaysCmykOrYcck) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "k.jpg", "convert - -strip -colorspace CMYK JPEG:- <"));
  std::size_t app14 = find_marker(jpg, 0xEE);
  ASSERT_EQ(std::string(jpg.begin() + static_cast<std::ptrdiff_t>(app14 + 4), jpg.begin() + static_cast<std::ptrdiff_t>(app14 + 9)), "Adobe");
  ImageCheck r = check_bytes(dir, "k.jpg", jpg);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.color, ColorModel::ycck);
  jpg[app14 + 15] = 0;  // the transform flag, last byte of the 14-byte segment
  r = check_bytes(dir, "k.jpg", jpg);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.color, ColorModel::cmyk);
  EXPECT_EQ(identify_size(dir / "k.jpg"), "97 61");
}

TEST(JpegCheck, PixelLimitRefusesBombHeaders) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "b.jpg", "cjpeg"));
  std::size_t sof = find_marker(jpg, 0xC0);
  Bytes bomb = jpg;
  for (std::size_t i : {sof + 5, sof + 7}) {  // height, then width: 65500 = 0xFFDC
    bomb[i] = 0xFF;
    bomb[i + 1] = 0xDC;
  }
  ImageCheck r = check_bytes(dir, "bomb.jpg", bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::too_large);
  EXPECT_EQ(r.problem->message,
            "bomb.jpg: 65500 x 65500 pixels (4290.2 MP) is over the limit of 200.0 MP: refused before decoding "
            "(decompression bomb?)");
  EXPECT_EQ(check_bytes(dir, "s.jpg", jpg, ImageLimits{.max_pixels = 97 * 61 - 1}).problem->code, Errc::too_large);
  EXPECT_TRUE(check_bytes(dir, "s.jpg", jpg, ImageLimits{.max_pixels = 97 * 61}).ok());
}

TEST(JpegCheck, ProgressiveCoefficientMemoryIsCapped) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "p.jpg", "cjpeg -progressive", false, 400, 300));
  ImageCheck r = check_bytes(dir, "p.jpg", jpg, ImageLimits{.max_decoder_memory = 100 * 1024});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::too_large);
  EXPECT_THAT(r.problem->message, HasSubstr("decoding a multi-scan JPEG this size needs 0.4 MiB, over the decoder memory limit of 0.1 MiB"));
  EXPECT_TRUE(check_bytes(dir, "p.jpg", jpg).ok());
}

TEST(JpegCheck, ScanLimitRefusesTooManyScans) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "s.jpg", "cjpeg -progressive"));  // cjpeg writes 10 scans
  ImageCheck r = check_bytes(dir, "s.jpg", jpg, ImageLimits{.max_jpeg_scans = 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message, "s.jpg: more than 5 scans");
  EXPECT_TRUE(check_bytes(dir, "s.jpg", jpg, ImageLimits{.max_jpeg_scans = 10}).ok());
}

TEST(JpegCheck, StructuralDamageIsRefused) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "d.jpg", "cjpeg"));
  // Tables only: the SOI, the tables, EOI; no frame.
  Bytes tables(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(find_marker(jpg, 0xC0)));
  tables.push_back(0xFF);
  tables.push_back(0xD9);
  ImageCheck r = check_bytes(dir, "tables.jpg", tables);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message, "tables.jpg: bad JPEG data: JPEG datastream contains no image");
  // SOI then zeros: libjpeg looks for the next marker until the data runs out.
  Bytes zeros{0xFF, 0xD8, 0xFF};
  zeros.resize(2048, 0);
  r = check_bytes(dir, "zeros.jpg", zeros);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message, "zeros.jpg: truncated: JPEG data ends early (no EOI marker)");
  // The frame header renamed to an unknown marker: a scan without a frame.
  Bytes no_sof = jpg;
  no_sof[find_marker(jpg, 0xC0) + 1] = 0xEF;  // an APP15 segment now
  r = check_bytes(dir, "nosof.jpg", no_sof);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message, "nosof.jpg: bad JPEG data: Invalid JPEG file structure: SOS before SOF");
}

TEST(JpegCheck, ContentMustMatchTheName) {
  ScratchDir dir;
  Bytes jpg = read_bytes(encode(dir, "c.jpg", "cjpeg"));
  ImageCheck r = check_bytes(dir, "c.png", jpg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message, "c.png: content is JPEG but the name says PNG");
  r = check_bytes(dir, "notes.jpeg", to_bytes("plain text\n"));
  EXPECT_EQ(r.problem->message, "notes.jpeg: content is not a JPEG image");
  EXPECT_TRUE(check_bytes(dir, "C.JPEG", jpg).ok());
}

}  // namespace
}  // namespace imgsh::proto
