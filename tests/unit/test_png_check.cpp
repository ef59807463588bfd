// PNG validation (protocol/image_check.hpp): real encoders' files pass with the right
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

struct PngCase {
  const char* name;
  const char* encode;  // shell command; %IN% is a PPM (or PGM for gray), %OUT% the PNG
  bool gray_input;
  std::uint8_t depth;
  ColorModel color;
  bool interlaced;
};

void PrintTo(const PngCase& c, std::ostream* os) { *os << c.name; }

class PngEncoders : public ::testing::TestWithParam<PngCase> {};

TEST_P(PngEncoders, ValidatesWithTheRightFacts) {
  const PngCase& c = GetParam();
  ScratchDir dir;
  fs::path in = write_pnm(dir, c.gray_input ? "in.pgm" : "in.ppm", 97, 61, c.gray_input ? 1 : 3);
  write_pnm(dir, "alpha.pgm", 97, 61, 1, 7);
  fs::path out = dir / (std::string(c.name) + ".png");
  std::string cmd = c.encode;
  for (auto [key, value] : {std::pair{std::string("%IN%"), quoted(in)}, {"%OUT%", quoted(out)},
                            {"%ALPHA%", quoted(dir / "alpha.pgm")}}) {
    for (auto at = cmd.find(key); at != std::string::npos; at = cmd.find(key)) cmd.replace(at, key.size(), value);
  }
  run(cmd);
  ImageCheck r = check_path(out);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.format, ImageKind::png);
  EXPECT_EQ(std::to_string(r.facts.width) + " " + std::to_string(r.facts.height), identify_size(out));
  EXPECT_EQ(r.facts.width, 97u);
  EXPECT_EQ(r.facts.height, 61u);
  EXPECT_EQ(r.facts.bit_depth, c.depth);
  EXPECT_EQ(r.facts.color, c.color) << to_string(r.facts.color);
  EXPECT_EQ(r.facts.progressive, c.interlaced);
  EXPECT_FALSE(r.facts.capture_time);
}

INSTANTIATE_TEST_SUITE_P(
    Png, PngEncoders,
    ::testing::Values(PngCase{"rgb8", "pnmtopng %IN% > %OUT%", false, 8, ColorModel::rgb, false},
                      PngCase{"rgb16", "convert %IN% -strip -depth 16 PNG48:%OUT%", false, 16, ColorModel::rgb, false},
                      PngCase{"adam7", "pnmtopng -interlace %IN% > %OUT%", false, 8, ColorModel::rgb, true},
                      PngCase{"adam7_16", "convert %IN% -strip -depth 16 -interlace PNG PNG48:%OUT%", false, 16,
                              ColorModel::rgb, true},
                      PngCase{"palette", "convert %IN% -strip -colors 16 PNG8:%OUT%", false, 8, ColorModel::palette, false},
                      PngCase{"palette4", "pnmquant 16 %IN% 2>/dev/null | pnmtopng > %OUT%", false, 4, ColorModel::palette, false},
                      PngCase{"gray_alpha", "pnmtopng -alpha=%ALPHA% %IN% > %OUT%", true, 8, ColorModel::gray_alpha, false},
                      PngCase{"gray", "pnmtopng %IN% > %OUT%", true, 8, ColorModel::gray, false},
                      PngCase{"rgba", "pnmtopng -alpha=%ALPHA% %IN% > %OUT%", false, 8, ColorModel::rgba, false}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(PngCheck, HandBuiltBitDepthsAndColorTypes) {
  ScratchDir dir;
  struct Kind { std::uint8_t depth, type; int channels; ColorModel color; };
  for (Kind k : {Kind{1, 0, 1, ColorModel::gray}, Kind{2, 0, 1, ColorModel::gray}, Kind{16, 0, 1, ColorModel::gray},
                 Kind{16, 4, 2, ColorModel::gray_alpha}, Kind{16, 6, 4, ColorModel::rgba}}) {
    ImageCheck r = check_bytes(dir, "k.png", hand_png(33, 17, k.depth, k.type, k.channels));
    ASSERT_TRUE(r.ok()) << int(k.depth) << "/" << int(k.type) << " " << describe(r);
    EXPECT_EQ(r.facts.bit_depth, k.depth);
    EXPECT_EQ(r.facts.color, k.color);
    EXPECT_EQ(identify_size(dir / "k.png"), "33 17");
  }
}

// Ten cuts, each in a different place: signature tail, IHDR, IDAT, the IDAT CRC, IEND.
TEST(PngCheck, TruncatedAtTenOffsetsIsRefused) {
  ScratchDir dir;
  Bytes png = hand_png(200, 150, 8, 2, 3);
  std::size_t n = png.size();
  for (std::size_t cut : {std::size_t{12}, std::size_t{20}, std::size_t{33}, std::size_t{40}, n / 3, n / 2, n - 20,
                          n - 13, n - 12, n - 1}) {
    Bytes b(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(cut));
    ImageCheck r = check_bytes(dir, "cut.png", b);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.problem->code, Errc::not_an_image) << cut;
    EXPECT_THAT(r.problem->message, StartsWith("cut.png: truncated")) << cut;
  }
  // Exactly the IEND chunk missing, and a cut inside IDAT, say so.
  ImageCheck no_iend = check_bytes(dir, "cut.png", Bytes(png.begin(), png.end() - 12));
  EXPECT_EQ(no_iend.problem->message, "cut.png: truncated: no IEND chunk (the last chunk is IDAT)");
  ImageCheck in_iend = check_bytes(dir, "cut.png", Bytes(png.begin(), png.end() - 1));
  EXPECT_EQ(in_iend.problem->message, "cut.png: truncated: the file ends inside the IEND chunk");
  ImageCheck in_idat = check_bytes(dir, "cut.png", Bytes(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(n / 2)));
  EXPECT_EQ(in_idat.problem->message, "cut.png: truncated: the file ends inside the IDAT chunk");
  ASSERT_TRUE(check_bytes(dir, "whole.png", png).ok());
}

TEST(PngCheck, FlippedCrcByteIsRefusedNamingTheChunk) {
  ScratchDir dir;
  Bytes text = to_bytes("Comment");
  text.push_back(0);
  Bytes more = to_bytes("made by the test");
  text.insert(text.end(), more.begin(), more.end());
  Bytes png = hand_png(64, 48, 8, 2, 3, png_chunk("tEXt", text));
  ASSERT_TRUE(check_bytes(dir, "ok.png", png).ok());
  // The IDAT's CRC is the 4 bytes before IEND (12 bytes from the end).
  Bytes idat = png;
  idat[idat.size() - 13] ^= 0x01;
  ImageCheck r = check_bytes(dir, "crc.png", idat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message, "crc.png: CRC mismatch in IDAT");
  // An ancillary chunk's CRC counts too (libspng would silently drop the chunk).
  Bytes anc = png;
  std::size_t text_crc = 8 + 25 + 12 + text.size() - 4;  // signature, IHDR, then tEXt's last 4 bytes
  anc[text_crc] ^= 0x80;
  r = check_bytes(dir, "crc.png", anc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message, "crc.png: CRC mismatch in tEXt");
}

TEST(PngCheck, FlippedImageDataByteIsRefused) {
  ScratchDir dir;
  Bytes png = hand_png(64, 48, 8, 2, 3);
  // Corrupt the deflate stream and fix up the CRC, so only the decoder can tell.
  std::size_t idat = 8 + 25;
  std::uint32_t len = (png[idat] << 24) | (png[idat + 1] << 16) | (png[idat + 2] << 8) | png[idat + 3];
  png[idat + 8 + 2] |= 0x06;  // the first block header after the zlib header: BTYPE 11 is invalid
  std::uint32_t crc = static_cast<std::uint32_t>(::crc32(0, png.data() + idat + 4, len + 4));
  for (int i = 0; i < 4; ++i) png[idat + 8 + len + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
  ImageCheck r = check_bytes(dir, "z.png", png);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_THAT(r.problem->message, StartsWith("z.png: image data does not decode: "));
  EXPECT_THAT(r.problem->message, HasSubstr("(in IDAT)"));
}

TEST(PngCheck, SignaturePlusZerosIsRefused) {
  ScratchDir dir;
  Bytes b = kPngSignature;
  b.resize(4096, 0);
  ImageCheck r = check_bytes(dir, "zeros.png", b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message, "zeros.png: bad IHDR: invalid IHDR chunk size");
}

TEST(PngCheck, BadIhdrIsRefused) {
  ScratchDir dir;
  Bytes b = kPngSignature;
  Bytes ihdr = png_ihdr(10, 10, 3, 2);  // bit depth 3 does not exist
  b.insert(b.end(), ihdr.begin(), ihdr.end());
  ImageCheck r = check_bytes(dir, "ihdr.png", b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message, "ihdr.png: bad IHDR: invalid bit depth");
}

// A decompression bomb: only the header, the rest would be a few KB of zeros that
// inflate to 30 GB. Refused from the header, in well under a second.
TEST(PngCheck, PixelLimitRefusesBombHeaders) {
  ScratchDir dir;
  Bytes b = kPngSignature;
  Bytes ihdr = png_ihdr(100000, 100000, 8, 2);
  b.insert(b.end(), ihdr.begin(), ihdr.end());
  Bytes idat = png_chunk("IDAT", Bytes(1000, 0));
  b.insert(b.end(), idat.begin(), idat.end());
  ImageCheck r = check_bytes(dir, "bomb.png", b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::too_large);
  EXPECT_EQ(r.problem->message,
            "bomb.png: 100000 x 100000 pixels (10000.0 MP) is over the limit of 200.0 MP: refused before decoding "
            "(decompression bomb?)");
  // The limit is a parameter: a real small image is refused by a smaller one, admitted at its size.
  Bytes small = hand_png(40, 25, 8, 2, 3);
  EXPECT_EQ(check_bytes(dir, "s.png", small, ImageLimits{.max_pixels = 999}).problem->code, Errc::too_large);
  EXPECT_TRUE(check_bytes(dir, "s.png", small, ImageLimits{.max_pixels = 1000}).ok());
}

TEST(PngCheck, DecoderMemoryLimitRefusesVeryWideRows) {
  ScratchDir dir;
  Bytes b = hand_png(4000, 2, 16, 6, 4);  // 32 KB rows
  ImageCheck r = check_bytes(dir, "wide.png", b, ImageLimits{.max_decoder_memory = 64 * 1024});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::too_large);
  EXPECT_THAT(r.problem->message, HasSubstr("over the decoder memory limit"));
  EXPECT_TRUE(check_bytes(dir, "wide.png", b).ok());
}

TEST(PngCheck, MetadataLimitCapsKeptChunks) {
  ScratchDir dir;
  Bytes text = to_bytes("Comment");
  text.push_back(0);
  text.resize(200 * 1024, 'x');
  Bytes b = hand_png(8, 8, 8, 2, 3, png_chunk("tEXt", text));
  ImageCheck r = check_bytes(dir, "meta.png", b, ImageLimits{.max_metadata_bytes = 100 * 1024});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::too_large);
  EXPECT_THAT(r.problem->message, HasSubstr("metadata chunks over the limit"));
  EXPECT_TRUE(check_bytes(dir, "meta.png", b).ok());
}

TEST(PngCheck, ContentMustMatchTheName) {
  ScratchDir dir;
  ImageCheck text = check_bytes(dir, "notes.png", to_bytes("just some text, not an image\n"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.problem->code, Errc::not_an_image);
  EXPECT_EQ(text.problem->message, "notes.png: content is not a PNG image");
  ImageCheck misnamed = check_bytes(dir, "photo.jpg", hand_png(8, 8, 8, 2, 3));
  ASSERT_FALSE(misnamed.ok());
  EXPECT_EQ(misnamed.problem->code, Errc::not_an_image);
  EXPECT_EQ(misnamed.problem->message, "photo.jpg: content is PNG but the name says JPEG");
  ImageCheck empty = check_bytes(dir, "empty.png", {});
  EXPECT_EQ(empty.problem->code, Errc::empty_file);
  ImageCheck gif = check_bytes(dir, "anim.gif", to_bytes("GIF89a"));
  EXPECT_EQ(gif.problem->code, Errc::unsupported_type);
}

// The descriptor's own offset is neither used nor moved (the server hands over a
// temporary file it has just written, positioned at its end).
TEST(PngCheck, ReadsFromOffsetZeroWithoutMovingTheDescriptor) {
  ScratchDir dir;
  write_bytes(dir / "a.png", hand_png(30, 20, 8, 2, 3));
  UniqueFd fd(::open((dir / "a.png").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(::lseek(fd.get(), 17, SEEK_SET), 17);
  EXPECT_TRUE(check_image_file(fd.get(), "a.png").ok());
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 17);
}

}  // namespace
}  // namespace imgsh::proto
