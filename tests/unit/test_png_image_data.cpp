// The PNG image data read with ISA-L (protocol/png_image_data.hpp): the layouts it must
// accept (IDAT split anywhere, Adam7 passes, chunks after the data), the faults it must
// name, and libspng's full decode (the thumbnail path) as the referee on every verdict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "exif_test_support.hpp"
#include "image_test_support.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;

// A sink that takes every row and keeps nothing: check_image_file with it decodes the
// whole PNG with libspng (rows unfiltered, converted), the decoder before ISA-L.
class DropRows final : public RowSink {
 public:
  unsigned jpeg_scale_denominator(std::uint32_t, std::uint32_t) noexcept override { return 8; }
  bool begin(std::uint32_t, std::uint32_t, RowFormat) noexcept override { return true; }
  void row(std::uint32_t, const std::uint8_t*, std::uint32_t, std::uint32_t) noexcept override {}
};

ImageCheck check_by_libspng(const ScratchDir& dir, const Bytes& b) {
  fs::path p = dir / "referee.png";
  write_bytes(p, b);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  DropRows sink;
  return check_image_file(fd.get(), "referee.png", {}, &sink);
}

Bytes deflate(const Bytes& raw) {
  uLongf zlen = ::compressBound(static_cast<uLong>(raw.size()));
  Bytes z(zlen);
  EXPECT_EQ(::compress2(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size()), 6), Z_OK);
  z.resize(zlen);
  return z;
}

// 8-bit RGB scanlines: per pass of `widths` x `rows`, a filter byte then the pixels.
Bytes scanlines(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& passes, std::uint8_t filter = 0) {
  Bytes raw;
  std::uint32_t seed = 1;
  for (auto [width, rows] : passes) {
    for (std::uint32_t y = 0; y < rows; ++y) {
      raw.push_back(filter);
      Bytes px = pixels(width, 1, 3, seed++);
      raw.insert(raw.end(), px.begin(), px.end());
    }
  }
  return raw;
}

// Signature, IHDR (8-bit RGB), one IDAT chunk per entry of `idats`, `after`, `iend`.
Bytes assemble(std::uint32_t w, std::uint32_t h, std::uint8_t interlace, const std::vector<Bytes>& idats,
               const Bytes& after = {}, const Bytes& iend = png_chunk("IEND", {})) {
  Bytes out = kPngSignature;
  auto add = [&](const Bytes& part) { out.insert(out.end(), part.begin(), part.end()); };
  add(png_ihdr(w, h, 8, 2, interlace));
  for (const Bytes& d : idats) add(png_chunk("IDAT", d));
  add(after);
  add(iend);
  return out;
}

// The whole stream in pieces of `piece` bytes (the zlib header split too when piece is 1).
std::vector<Bytes> split(const Bytes& z, std::size_t piece) {
  std::vector<Bytes> out;
  for (std::size_t at = 0; at < z.size(); at += piece) {
    out.emplace_back(z.begin() + static_cast<std::ptrdiff_t>(at),
                     z.begin() + static_cast<std::ptrdiff_t>(std::min(z.size(), at + piece)));
  }
  return out;
}

// Both decoders' verdicts on `b`: ok or not, the same; the ISA-L one returned.
ImageCheck check_both(const ScratchDir& dir, std::string_view name, const Bytes& b) {
  ImageCheck ours = check_bytes(dir, name, b);
  ImageCheck referee = check_by_libspng(dir, b);
  EXPECT_EQ(ours.ok(), referee.ok()) << "ours: " << describe(ours) << "; libspng: " << describe(referee);
  return ours;
}

TEST(PngImageData, ImageDataSplitAnywhereDecodes) {
  ScratchDir dir;
  Bytes z = deflate(scanlines({{23, 11}}));
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, z.size()}) {
    std::vector<Bytes> idats = split(z, piece);
    idats.insert(idats.begin(), Bytes{});  // an empty IDAT first: legal
    ImageCheck r = check_both(dir, "split.png", assemble(23, 11, 0, idats));
    ASSERT_TRUE(r.ok()) << piece << ": " << describe(r);
    EXPECT_EQ(r.facts.width, 23u);
  }
  EXPECT_EQ(identify_size(dir / "split.png"), "23 11");
}

TEST(PngImageData, BadFilterTypeIsRefusedNamingTheScanline) {
  ScratchDir dir;
  Bytes raw = scanlines({{10, 6}});
  raw[3 * (1 + 30)] = 5;  // the fourth scanline's filter type
  ImageCheck r = check_both(dir, "filter.png", assemble(10, 6, 0, {deflate(raw)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->code, Errc::not_an_image);
  EXPECT_EQ(r.problem->message,
            "filter.png: image data does not decode: filter type 5 is not one of 0-4 (scanline 4) (in IDAT)");
  // Every filter type that exists is accepted (the pixels are noise either way).
  for (std::uint8_t f = 0; f <= 4; ++f) {
    EXPECT_TRUE(check_both(dir, "f.png", assemble(10, 6, 0, {deflate(scanlines({{10, 6}}, f))})).ok()) << int(f);
  }
}

TEST(PngImageData, ImageDataOneByteShortIsRefused) {
  ScratchDir dir;
  Bytes raw = scanlines({{10, 6}});
  raw.pop_back();
  ImageCheck r = check_both(dir, "short.png", assemble(10, 6, 0, {deflate(raw)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message,
            "short.png: image data does not decode: the deflate stream ends before the last scanline (in IDAT)");
  // The stream cut inside (its chunk's CRC right): the IDAT run ends first.
  Bytes z = deflate(scanlines({{10, 6}}));
  z.resize(z.size() / 2);
  r = check_both(dir, "cut.png", assemble(10, 6, 0, {z}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message,
            "cut.png: image data does not decode: the image data ends before the last scanline (in IDAT)");
}

TEST(PngImageData, Adam7PassesHaveTheirOwnScanlines) {
  ScratchDir dir;
  // 13 x 7: pass widths 2,2,4,3,7,6,13 of heights 1,1,1,2,2,4,3 (PNG spec, Adam7).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> passes = {{2, 1}, {2, 1}, {4, 1}, {3, 2}, {7, 2}, {6, 4}, {13, 3}};
  ImageCheck r = check_both(dir, "adam7.png", assemble(13, 7, 1, {deflate(scanlines(passes))}));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.facts.progressive);
  EXPECT_EQ(identify_size(dir / "adam7.png"), "13 7");
  // The same bytes read as one non-interlaced image are too few.
  EXPECT_FALSE(check_both(dir, "flat.png", assemble(13, 7, 0, {deflate(scanlines(passes))})).ok());
  // The last pass one scanline short.
  passes.back().second = 2;
  EXPECT_FALSE(check_both(dir, "adam7.png", assemble(13, 7, 1, {deflate(scanlines(passes))})).ok());
}

TEST(PngImageData, BadZlibHeaderIsRefused) {
  ScratchDir dir;
  Bytes z = deflate(scanlines({{10, 6}}));
  z[1] ^= 0x01;  // the header's check bits no longer make it a multiple of 31
  ImageCheck r = check_both(dir, "zhead.png", assemble(10, 6, 0, {z}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem->message, "zhead.png: image data does not decode: bad zlib header (in IDAT)");
}

TEST(PngImageData, ChunksAfterTheImageData) {
  ScratchDir dir;
  Bytes z = deflate(scanlines({{10, 6}}));
  Bytes text = to_bytes(std::string_view("Comment\0", 8));  // a keyword and its NUL
  Bytes exif = png_chunk("eXIf", exif_tiff({false, 6, "After Cam", "2021:03:04 05:06:07"}));
  Bytes after = png_chunk("tEXt", text);
  after.insert(after.end(), exif.begin(), exif.end());

  // Ancillary chunks after IDAT, an eXIf among them: its facts are read.
  ImageCheck r = check_both(dir, "after.png", assemble(10, 6, 0, {z}, after));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.orientation, 6);
  EXPECT_EQ(r.facts.camera_model, "After Cam");
  EXPECT_EQ(r.facts.capture_time, "2021-03-04T05:06:07");

  // An IDAT after the stream ended, right after the run: ignored, as libspng does.
  EXPECT_TRUE(check_both(dir, "extra.png", assemble(10, 6, 0, {z, Bytes(40, 0xAB)})).ok());

  struct Bad {
    const char* what;
    Bytes after;
    const char* message;
    bool libspng_refuses;  // libspng 0.7.3 lets a PLTE after the image data pass; libpng does not
  };
  Bytes late_idat = png_chunk("tEXt", text);
  Bytes idat = png_chunk("IDAT", Bytes(4, 0));
  late_idat.insert(late_idat.end(), idat.begin(), idat.end());
  Bytes bad_crc = png_chunk("tEXt", text);
  bad_crc.back() ^= 0x10;
  for (const Bad& b :
       {Bad{"IDAT after tEXt", late_idat, "an IDAT chunk after other chunks followed the image data", true},
        Bad{"PLTE", png_chunk("PLTE", Bytes(9, 1)), "a PLTE chunk after the image data", false},
        Bad{"unknown critical", png_chunk("ZZZZ", Bytes(3, 1)), "a ZZZZ chunk after the image data", true},
        Bad{"tEXt CRC", bad_crc, "CRC mismatch in tEXt", true}}) {
    Bytes png = assemble(10, 6, 0, {z}, b.after);
    ImageCheck bad = check_bytes(dir, "bad.png", png);
    ASSERT_FALSE(bad.ok()) << b.what;
    EXPECT_EQ(bad.problem->code, Errc::not_an_image) << b.what;
    EXPECT_EQ(bad.problem->message, std::string("bad.png: ") + b.message) << b.what;
    EXPECT_EQ(check_by_libspng(dir, png).ok(), !b.libspng_refuses) << b.what;
  }
  ImageCheck full_iend = check_bytes(dir, "iend.png", assemble(10, 6, 0, {z}, {}, png_chunk("IEND", Bytes(2, 0))));
  ASSERT_FALSE(full_iend.ok());
  EXPECT_EQ(full_iend.problem->message, "iend.png: an IEND chunk that is not empty");

  // Cut inside a chunk after the data, and between two of them.
  Bytes whole = assemble(10, 6, 0, {z}, after);
  std::size_t exif_at = whole.size() - 12 - exif.size();
  ImageCheck cut = check_both(dir, "cut.png", Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(exif_at + 10)));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.problem->message, "cut.png: truncated: the file ends inside the eXIf chunk");
  cut = check_both(dir, "cut.png", Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(exif_at)));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.problem->message, "cut.png: truncated: no IEND chunk (the last chunk is tEXt)");
}

// One byte of the deflate stream changed (the IDAT's CRC made right again, so only the
// decoder can tell), 300 times: wherever libspng's full decode refuses, so does ours.
TEST(PngImageData, SameVerdictsAsLibspngOnCorruptedImageData) {
  ScratchDir dir;
  Bytes z = deflate(scanlines({{40, 30}}));
  std::mt19937 random(20261204);
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Bytes bad = z;
    std::size_t at = 2 + random() % (bad.size() - 2);
    bad[at] ^= static_cast<std::uint8_t>(1 + random() % 255);
    ImageCheck r = check_both(dir, "flip.png", assemble(40, 30, 0, {bad}));
    if (!r.ok()) {
      ++refused;
      EXPECT_EQ(r.problem->code, Errc::not_an_image);
    }
  }
  EXPECT_GT(refused, 30);  // the comparison saw refusals, not only passes
}

}  // namespace
}  // namespace imgsh::proto
