// protocol/file_info_json.hpp: a list entry written without a JSON document is byte for
// byte what nlohmann::json's dump of to_json() writes, for every key, every optional
// fact, names that need escapes, and strings that are not UTF-8 (which still throw).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/file_info_json.hpp"
#include "protocol/image_facts.hpp"
#include "sample_image_facts.hpp"
#include "protocol/messages.hpp"

namespace imgsh::proto {
namespace {

std::string written(const FileInfo& info) {
  std::string out = "prefix,";  // appends, never overwrites
  append_file_info_json(out, info);
  EXPECT_EQ(out.substr(0, 7), "prefix,");
  return out.substr(7);
}

std::string documented(const FileInfo& info) { return to_json(info).dump(); }

TEST(FileInfoJson, PlainEntriesSameBytesAsTheDocument) {
  const std::string xxh3 = "0123456789abcdef0123456789abcdef";
  for (const FileInfo& info : {FileInfo{"cat.png", 4096, 1700000000}, FileInfo{"a.jpg", 0, 0},
                               FileInfo{"big file (1).JPEG", UINT64_MAX, INT64_MIN, xxh3},
                               FileInfo{std::string(251, 'x') + ".png", 1, INT64_MAX, xxh3},
                               FileInfo{"old.jpg", 12, -1}}) {
    EXPECT_EQ(written(info), documented(info)) << info.name;
  }
}

TEST(FileInfoJson, EveryImageFactSameBytesAsTheDocument) {
  std::vector<ImageFacts> all;
  for (ImageKind format : {ImageKind::png, ImageKind::jpeg}) {
    for (ColorModel color : {ColorModel::gray, ColorModel::gray_alpha, ColorModel::rgb, ColorModel::rgba,
                             ColorModel::palette, ColorModel::ycbcr, ColorModel::cmyk, ColorModel::ycck}) {
      for (int optional = 0; optional < 8; ++optional) {
        ImageFacts f;
        f.format = format;
        f.color = color;
        f.width = optional % 2 ? UINT32_MAX : 1;
        f.height = optional % 3 ? 0 : 65535;
        f.bit_depth = static_cast<std::uint8_t>(optional % 2 ? 16 : 1);
        f.progressive = optional % 2 == 0;
        if (optional & 1) f.capture_time = "2001-02-03T04:05:06";
        if (optional & 2) f.orientation = static_cast<std::uint8_t>(1 + optional);
        if (optional & 4) f.camera_model = "NIKON D850";
        all.push_back(f);
      }
    }
  }
  for (const ImageFacts& facts : all) {
    FileInfo info{"photo.jpg", 123456, 1700000000};
    info.image = facts;
    EXPECT_EQ(written(info), documented(info));
    info.xxh3 = "0123456789abcdef0123456789abcdef";  // a stat reply's entry
    EXPECT_EQ(written(info), documented(info));
  }
}

TEST(FileInfoJson, NamesNeedingEscapesSameBytesAsTheDocument) {
  std::vector<std::string> names = {"say \"cheese\".png", "a\\b.png", "tab\there.png", "line\nbreak.jpg",
                                    "\b\f\r.png", std::string("nul\0in.png", 10), "\x01\x1f\x7f.jpg",
                                    "\xc3\xa9t\xc3\xa9.jpg", "\xe2\x82\xac \xf0\x9f\x93\xb7.png",
                                    "\xef\xbf\xbf\xf4\x8f\xbf\xbf.png", "/slash/.png", "</script>.png"};
  for (const std::string& name : names) {
    FileInfo info{name, 10, 1};
    EXPECT_EQ(written(info), documented(info)) << name;
    info.image = sample::camera_jpeg_facts();
    info.image->camera_model = name;  // EXIF text takes the same escaping
    EXPECT_EQ(written(info), documented(info)) << name;
  }
}

// Past the writer's stack room (a long escaped name and long EXIF text): the same bytes.
TEST(FileInfoJson, LongEscapedStringsSameBytesAsTheDocument) {
  FileInfo info{std::string(251, '"') + ".png", 7, 8};
  EXPECT_EQ(written(info), documented(info));
  info.image = sample::camera_jpeg_facts();
  info.image->camera_model = std::string(400, '\x01');
  info.image->capture_time = std::string(300, '\\');
  EXPECT_EQ(written(info), documented(info));
  EXPECT_GT(written(info).size(), 3000u);  // past the 2048 bytes of stack room
}

// Every byte string the random walk makes, valid UTF-8 or not: the same bytes, or the
// same refusal (nlohmann's type_error), as the document.
TEST(FileInfoJson, RandomNamesSameBytesOrSameRefusalAsTheDocument) {
  std::mt19937 rng(13);
  const std::vector<std::string> pieces = {"a", "Z", ".", " ", "\"", "\\", "\t", "\x01", "\x7f", "\xc3\xa9",
                                           "\xe2\x82\xac", "\xf0\x9f\x93\xb7", "\x80", "\xc0\xaf", "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80", "\xe0\x80", "\xc3", "\xf5", "\xff"};
  int refused = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string name;
    for (int k = 0, n = static_cast<int>(rng() % 8); k < n; ++k) name += pieces[rng() % pieces.size()];
    FileInfo info{name, rng(), static_cast<std::int64_t>(rng()) - (1LL << 31)};
    std::string expected;
    bool document_throws = false;
    try {
      expected = documented(info);
    } catch (const nlohmann::json::type_error&) {
      document_throws = true;
    }
    if (document_throws) {
      ++refused;
      std::string out;
      EXPECT_THROW(append_file_info_json(out, info), nlohmann::json::type_error) << name;
    } else {
      EXPECT_EQ(written(info), expected) << name;
    }
  }
  EXPECT_GT(refused, 100);  // the walk did reach invalid UTF-8
  EXPECT_LT(refused, 3900);
}

TEST(FileInfoJson, JsonStringRefusesInvalidUtf8AndAppendsNothing) {
  std::string out = "x";
  EXPECT_FALSE(append_json_string(out, "\xc0\xaf"));        // overlong '/'
  EXPECT_FALSE(append_json_string(out, "\xed\xa0\x80"));    // a surrogate
  EXPECT_FALSE(append_json_string(out, "\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(append_json_string(out, "ab\xe2\x82"));      // cut short
  EXPECT_EQ(out, "x");
  EXPECT_TRUE(append_json_string(out, "\xe2\x82\xac"));
  EXPECT_EQ(out, "x\"\xe2\x82\xac\"");
}

TEST(FileInfoJson, ListBodyIsTheArrayOfTheDocuments) {
  FileInfo a{"a.png", 1, 2};
  FileInfo b{"b \"q\".jpg", 3, 4};
  b.image = sample::camera_jpeg_facts();
  nlohmann::json array = nlohmann::json::array({to_json(a), to_json(b)});
  EXPECT_EQ(list_body({a, b}), array.dump());
  EXPECT_EQ(list_body({}), nlohmann::json::array().dump());
  std::vector<FileInfo> back = parse_list_body(list_body({a, b}));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, b.name);
  EXPECT_EQ(back[1].image, b.image);
}

}  // namespace
}  // namespace imgsh::proto
