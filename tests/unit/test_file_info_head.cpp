// protocol/file_info_head.hpp: a get reply's frame head written without a JSON
// document is byte for byte the head the document gives, and falls back to it.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "protocol/file_info_head.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/messages.hpp"

namespace imgsh::proto {
namespace {

std::string through_document(std::uint64_t id, const FileInfo& info, std::uint64_t body_len) {
  return encode_frame_head(file_info_reply(id, info), body_len);
}

TEST(FileInfoHead, SameBytesAsTheDocument) {
  const std::string xxh3 = "0123456789abcdef0123456789abcdef";
  for (const FileInfo& info : {FileInfo{"cat.png", 4096, 1700000000, xxh3}, FileInfo{"a.jpg", 1, 0, ""},
                               FileInfo{"big file (1).JPEG", UINT64_MAX, -5, xxh3},
                               FileInfo{std::string(251, 'x') + ".png", 0, INT64_MAX, xxh3}}) {
    for (std::uint64_t id : {std::uint64_t{0}, std::uint64_t{7}, UINT64_MAX}) {
      EXPECT_EQ(file_info_head(id, info, info.size), through_document(id, info, info.size)) << info.name;
      EXPECT_EQ(file_info_head(id, info, 12345), through_document(id, info, 12345)) << info.name;
    }
  }
}

// What the direct writer does not escape goes through the document: the same bytes.
TEST(FileInfoHead, EscapedNamesAndFactsGoThroughTheDocument) {
  const std::string xxh3 = "0123456789abcdef0123456789abcdef";
  FileInfo quoted{"say \"cheese\".png", 10, 1, xxh3};
  FileInfo backslash{"a\\b.png", 10, 1, xxh3};
  FileInfo utf8{"\xc3\xa9t\xc3\xa9.jpg", 10, 1, xxh3};
  FileInfo control{"tab\there.png", 10, 1, xxh3};
  FileInfo with_facts{"cat.png", 10, 1, xxh3};
  ImageFacts facts;
  facts.format = ImageKind::png;
  facts.width = 32;
  facts.height = 16;
  facts.bit_depth = 8;
  with_facts.image = facts;
  for (const FileInfo& info : {quoted, backslash, utf8, control, with_facts}) {
    EXPECT_EQ(file_info_head(3, info, info.size), through_document(3, info, info.size)) << info.name;
  }
}

}  // namespace
}  // namespace imgsh::proto
