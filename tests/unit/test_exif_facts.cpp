// EXIF facts (protocol/exif_facts.hpp): capture time, orientation and camera model from a
// JPEG's APP1 segment or a PNG's eXIf chunk, checked against ImageMagick's reading of the
// same file. EXIF is commentary: a broken block never makes an image invalid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exif_test_support.hpp"
#include "protocol/exif_facts.hpp"
#include "protocol/image_check.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;

Bytes small_jpeg(const ScratchDir& dir) {
  fs::path in = write_pnm(dir, "in.ppm", 48, 32, 3);
  fs::path out = dir / "plain.jpg";
  run("cjpeg -quality 80 " + quoted(in) + " > " + quoted(out));
  return read_bytes(out);
}

TEST(ExifFacts, EveryOrientationInBothByteOrdersAgreesWithImageMagick) {
  ScratchDir dir;
  Bytes plain = small_jpeg(dir);
  for (bool big_endian : {false, true}) {
    for (std::uint16_t o = 1; o <= 8; ++o) {
      ExifSpec spec{big_endian, o, "Test Camera 9000", "2024:02:29 13:45:07"};
      fs::path p = dir / "o.jpg";
      write_bytes(p, with_app1(plain, exif_app1_payload(spec)));
      ImageCheck r = check_path(p);
      ASSERT_TRUE(r.ok()) << describe(r);
      EXPECT_EQ(r.facts.orientation, o) << (big_endian ? "MM " : "II ") << o;
      EXPECT_EQ(r.facts.camera_model, "Test Camera 9000");
      EXPECT_EQ(r.facts.capture_time, "2024-02-29T13:45:07");
      EXPECT_EQ(r.facts.width, 48u);
      std::string referee = run("identify -format '%[EXIF:Orientation]|%[EXIF:Model]|%[EXIF:DateTimeOriginal]' " + quoted(p));
      EXPECT_EQ(referee, std::to_string(o) + "|Test Camera 9000|2024:02:29 13:45:07");
    }
  }
}

TEST(ExifFacts, MissingOrMalformedFieldsAreLeftUnset) {
  ScratchDir dir;
  Bytes plain = small_jpeg(dir);
  struct Case { ExifSpec spec; bool orientation, model, time; };
  for (const Case& c : {Case{{false, 9, "X", "2024:13:01 00:00:00"}, false, true, false},
                        Case{{true, 0, "   ", "    :  :     :  :  "}, false, false, false},
                        Case{{false, std::nullopt, std::nullopt, "0000:00:00 00:00:00"}, false, false, false},
                        Case{{true, 3, std::nullopt, std::nullopt}, true, false, false}}) {
    ImageCheck r = check_bytes(dir, "m.jpg", with_app1(plain, exif_app1_payload(c.spec)));
    ASSERT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(r.facts.orientation.has_value(), c.orientation);
    EXPECT_EQ(r.facts.camera_model.has_value(), c.model);
    EXPECT_EQ(r.facts.capture_time.has_value(), c.time);
  }
}

TEST(ExifFacts, GarbageExifDoesNotRefuseTheImage) {
  ScratchDir dir;
  Bytes plain = small_jpeg(dir);
  Bytes payload{'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0x7F};
  payload.resize(300, 0xEE);
  ImageCheck r = check_bytes(dir, "g.jpg", with_app1(plain, payload));
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_FALSE(r.facts.orientation);
  EXPECT_FALSE(r.facts.capture_time);
}

// Only the first EXIF APP1 counts; an XMP APP1 in front of it is skipped.
TEST(ExifFacts, XmpSegmentBeforeExifIsSkipped) {
  ScratchDir dir;
  Bytes plain = small_jpeg(dir);
  Bytes first = with_app1(plain, exif_app1_payload({false, 6, "First", "2020:01:02 03:04:05"}));
  Bytes xmp = to_bytes("http://ns.adobe.com/xap/1.0/");
  xmp.push_back(0);
  xmp.resize(5000, ' ');
  Bytes both = with_app1(first, xmp);
  ImageCheck r = check_bytes(dir, "x.jpg", both);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.orientation, 6);
  EXPECT_EQ(r.facts.camera_model, "First");
  Bytes second = with_app1(both, exif_app1_payload({false, 8, "Second", std::nullopt}));  // now in front
  r = check_bytes(dir, "x.jpg", second);
  EXPECT_EQ(r.facts.orientation, 8);
}

TEST(ExifFacts, PngExifChunk) {
  ScratchDir dir;
  Bytes png = hand_png(20, 10, 8, 2, 3, png_chunk("eXIf", exif_tiff({true, 5, "PNG Cam", "2019:07:04 22:10:00"})));
  ImageCheck r = check_bytes(dir, "e.png", png);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.facts.orientation, 5);
  EXPECT_EQ(r.facts.camera_model, "PNG Cam");
  EXPECT_EQ(r.facts.capture_time, "2019-07-04T22:10:00");
}

TEST(ExifFacts, TimeAndTextForms) {
  EXPECT_EQ(exif_time_to_iso("2024:02:29 13:45:07"), "2024-02-29T13:45:07");
  EXPECT_EQ(exif_time_to_iso(std::string_view("2024:02:29 13:45:07\0", 20)), "2024-02-29T13:45:07");
  for (std::string_view bad : {"2024:02:29 13:45", "2024-02-29 13:45:07", "2024:00:29 13:45:07", "2024:02:29 24:00:00",
                               "0000:00:00 00:00:00", "    :  :     :  :  ", "2024:02:2x 13:45:07", ""}) {
    EXPECT_FALSE(exif_time_to_iso(bad)) << bad;
  }
  EXPECT_EQ(exif_printable("  Canon EOS R5  "), "Canon EOS R5");
  EXPECT_EQ(exif_printable(std::string_view("Nikon\0garbage", 13)), "Nikon");
  EXPECT_EQ(exif_printable("bell\x07 and \x1b[31mred"), "bell and [31mred");
  EXPECT_EQ(exif_printable("caf\xc3\xa9"), "caf");
  EXPECT_FALSE(exif_printable("   "));
  EXPECT_EQ(exif_printable(std::string(100, 'M'))->size(), 64u);
}

}  // namespace
}  // namespace imgsh::proto
