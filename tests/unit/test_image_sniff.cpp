// Image sniffing: the content must be the kind the name promises.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/image_sniff.hpp"
#include "protocol/names.hpp"

namespace imgsh::proto {
namespace {

using Bytes = std::vector<std::uint8_t>;
using ::testing::HasSubstr;

const Bytes kPng = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52};
const Bytes kJpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00};

Bytes to_bytes(std::string_view s) {
  Bytes out;
  for (char c : s) out.push_back(static_cast<std::uint8_t>(c));
  return out;
}

Bytes first(const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

TEST(SniffImage, PngSignature) {
  EXPECT_EQ(sniff_image(kPng), ImageKind::png);
  EXPECT_EQ(sniff_image(first(kPng, 8)), ImageKind::png);  // exactly the signature
}

TEST(SniffImage, JpegSoiMarker) {
  EXPECT_EQ(sniff_image(kJpeg), ImageKind::jpeg);
  EXPECT_EQ(sniff_image(Bytes{0xFF, 0xD8, 0xFF}), ImageKind::jpeg);  // exactly the marker
  EXPECT_EQ(sniff_image(Bytes{0xFF, 0xD8, 0xFF, 0xDB}), ImageKind::jpeg);
  EXPECT_EQ(sniff_image(Bytes{0xFF, 0xD8, 0xFF, 0xE1}), ImageKind::jpeg);
}

TEST(SniffImage, ShortInputsAreUnknown) {
  EXPECT_EQ(sniff_image(Bytes{}), ImageKind::unknown);
  for (std::size_t n = 0; n < 8; ++n) EXPECT_EQ(sniff_image(first(kPng, n)), ImageKind::unknown) << n << " PNG bytes";
  for (std::size_t n = 0; n < 3; ++n) EXPECT_EQ(sniff_image(first(kJpeg, n)), ImageKind::unknown) << n << " JPEG bytes";
}

TEST(SniffImage, NearMissesAreUnknown) {
  EXPECT_EQ(sniff_image(Bytes{0xFF, 0xD8, 0x00, 0x00}), ImageKind::unknown);
  EXPECT_EQ(sniff_image(Bytes{0xFF, 0xD9, 0xFF, 0xE0}), ImageKind::unknown);
  EXPECT_EQ(sniff_image(Bytes{0x00, 0xFF, 0xD8, 0xFF}), ImageKind::unknown);  // not at the start
  Bytes png = kPng;
  png[7] = 0x00;  // last signature byte wrong
  EXPECT_EQ(sniff_image(png), ImageKind::unknown);
  png = kPng;
  png[0] = 0x88;
  EXPECT_EQ(sniff_image(png), ImageKind::unknown);
  EXPECT_EQ(sniff_image(to_bytes("\x89PNG\r\n\x1a")), ImageKind::unknown);  // signature minus one byte
  EXPECT_EQ(sniff_image(to_bytes("\x89PNG\n\r\x1a\n")), ImageKind::unknown);
}

TEST(SniffImage, TextIsUnknown) {
  EXPECT_EQ(sniff_image(to_bytes("hello, world\n")), ImageKind::unknown);
  EXPECT_EQ(sniff_image(to_bytes("PNG image")), ImageKind::unknown);
  EXPECT_EQ(sniff_image(to_bytes("<svg xmlns=")), ImageKind::unknown);
  EXPECT_EQ(sniff_image(to_bytes("GIF89a....")), ImageKind::unknown);
}

// ---------------------------------------------------------------- check_content

TEST(CheckContent, MatchingContentPasses) {
  EXPECT_FALSE(check_content("cat.png", kPng).has_value());
  EXPECT_FALSE(check_content("CAT.PNG", kPng).has_value());
  EXPECT_FALSE(check_content("cat.jpg", kJpeg).has_value());
  EXPECT_FALSE(check_content("cat.jpeg", kJpeg).has_value());
  EXPECT_FALSE(check_content("CAT.JPEG", kJpeg).has_value());
  EXPECT_FALSE(check_content("cat.jpg", Bytes{0xFF, 0xD8, 0xFF}).has_value());
}

TEST(CheckContent, JpegBytesNamedPng) {
  auto message = check_content("cat.png", kJpeg);
  ASSERT_TRUE(message.has_value());
  EXPECT_THAT(*message, HasSubstr("cat.png"));
  EXPECT_THAT(*message, HasSubstr("JPEG"));
  EXPECT_THAT(*message, HasSubstr("PNG"));
  EXPECT_EQ(*message, "cat.png: content is JPEG but the name says PNG");
}

TEST(CheckContent, PngBytesNamedJpeg) {
  auto message = check_content("dog.jpeg", kPng);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(*message, "dog.jpeg: content is PNG but the name says JPEG");
  EXPECT_TRUE(check_content("dog.JPG", kPng).has_value());
}

TEST(CheckContent, TextNamedAsImage) {
  auto png = check_content("notes.png", to_bytes("just some text\n"));
  ASSERT_TRUE(png.has_value());
  EXPECT_EQ(*png, "notes.png: content is not a PNG image");
  auto jpg = check_content("notes.jpg", to_bytes("just some text\n"));
  ASSERT_TRUE(jpg.has_value());
  EXPECT_EQ(*jpg, "notes.jpg: content is not a JPEG image");
}

TEST(CheckContent, TooShortContentIsNotAnImage) {
  EXPECT_TRUE(check_content("x.png", Bytes{}).has_value());
  EXPECT_TRUE(check_content("x.jpg", Bytes{}).has_value());
  EXPECT_TRUE(check_content("x.png", first(kPng, 7)).has_value());
  EXPECT_TRUE(check_content("x.jpg", Bytes{0xFF, 0xD8}).has_value());
}

TEST(CheckContent, NameWithoutImageExtensionNeverPasses) {
  // "nullopt when the first bytes of a file are the kind its name promises":
  // a name that promises no image kind cannot be satisfied by any content.
  EXPECT_TRUE(check_content("notes.txt", to_bytes("just some text\n")).has_value());
  EXPECT_TRUE(check_content("noext", Bytes{}).has_value());
  EXPECT_TRUE(check_content("x.gif", kPng).has_value());
}

// ---------------------------------------------------------------- SniffBuffer

TEST(SniffBuffer, FedOneByteAtATime) {
  SniffBuffer buf;
  EXPECT_FALSE(buf.full());
  EXPECT_TRUE(buf.bytes().empty());
  for (std::size_t i = 0; i < kPng.size(); ++i) {
    buf.add(std::span<const std::uint8_t>(&kPng[i], 1));
    std::size_t expected = std::min(i + 1, kSniffBytes);
    ASSERT_EQ(buf.bytes().size(), expected);
    EXPECT_EQ(buf.full(), i + 1 >= kSniffBytes);
    EXPECT_EQ(Bytes(buf.bytes().begin(), buf.bytes().end()), first(kPng, expected));
  }
  EXPECT_EQ(sniff_image(buf.bytes()), ImageKind::png);
  EXPECT_FALSE(check_content("x.png", buf.bytes()).has_value());
}

TEST(SniffBuffer, JpegByteByByteIsRecognisedAfterThreeBytes) {
  SniffBuffer buf;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sniff_image(buf.bytes()), ImageKind::unknown);
    buf.add(std::span<const std::uint8_t>(&kJpeg[i], 1));
  }
  EXPECT_FALSE(buf.full());
  EXPECT_EQ(sniff_image(buf.bytes()), ImageKind::jpeg);
}

TEST(SniffBuffer, KeepsOnlyTheFirstBytes) {
  SniffBuffer buf;
  buf.add(first(kPng, 5));
  EXPECT_FALSE(buf.full());
  buf.add(Bytes{});
  EXPECT_EQ(buf.bytes().size(), 5u);
  Bytes rest(kPng.begin() + 5, kPng.end());
  rest.insert(rest.end(), 1000, 0xAB);
  buf.add(rest);
  EXPECT_TRUE(buf.full());
  EXPECT_EQ(Bytes(buf.bytes().begin(), buf.bytes().end()), first(kPng, 8));
  buf.add(kJpeg);  // later pieces change nothing
  EXPECT_EQ(Bytes(buf.bytes().begin(), buf.bytes().end()), first(kPng, 8));
}

TEST(SniffBuffer, ShortStreamStaysPartial) {
  SniffBuffer buf;
  buf.add(Bytes{0xFF, 0xD8});
  EXPECT_FALSE(buf.full());
  EXPECT_EQ(buf.bytes().size(), 2u);
  EXPECT_TRUE(check_content("x.jpg", buf.bytes()).has_value());
}

}  // namespace
}  // namespace imgsh::proto
