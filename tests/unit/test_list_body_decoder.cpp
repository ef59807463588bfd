// The streaming list body decoder (list_body_decoder.hpp): the same entries as a whole
// parse wherever the body is split, each entry handed on as soon as its object closes,
// and every body that is not a list of entries refused with bad_frame.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/list_body_decoder.hpp"
#include "protocol/messages.hpp"

namespace imgsh::proto {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// Names with escapes, quotes, braces and brackets inside strings, and UTF-8 both raw and
// as \u escapes (a surrogate pair too); one entry with nested image facts, one with an
// image object of a later format (dropped, the entry kept), and whitespace between
// tokens as any JSON writer may put it.
const std::string kBody = std::string(" \n[") +
    R"({"name":"a\"b\\c.png","size":1,"mtime":2},)" +
    R"( {"name":"{[}]\/x.jpg" , "size":48213,"mtime":-5,"xxh3":"1196b1c190562e6e08bad4d44fdfec9d"} ,)" +
    "{\"name\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \xf0\x9f\x98\x80.png\",\"size\":3,\"mtime\":4},\r\n" +
    R"({"name":"cam.jpg","size":9,"mtime":10,"image":{"format":"jpeg","width":720,"height":477,)" +
    R"("bit_depth":8,"color":"ycbcr","progressive":false,"capture_time":"2026-12-03T07:50:00",)" +
    R"("orientation":6,"camera_model":"Canon \"EOS\" {R5}"},"later":[[1,{"x":"]"}],[]]},)" +
    R"({"name":"new.png","size":5,"mtime":6,"image":{"format":"webp","width":1}})" + "]\t\n";

// What the whole-body reading of nlohmann/json says the entries are.
std::vector<FileInfo> reference_entries() {
  std::vector<FileInfo> out;
  for (const auto& e : json::parse(kBody)) out.push_back(file_info_from_json(e));
  return out;
}

void expect_same(const std::vector<FileInfo>& got, const std::vector<FileInfo>& want, const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << where << " entry " << i;
    EXPECT_EQ(got[i].size, want[i].size) << where << " entry " << i;
    EXPECT_EQ(got[i].mtime, want[i].mtime) << where << " entry " << i;
    EXPECT_EQ(got[i].xxh3, want[i].xxh3) << where << " entry " << i;
    EXPECT_EQ(got[i].image, want[i].image) << where << " entry " << i;
  }
}

// Feeds `pieces` one after the other; returns the entries, throws what the decoder throws.
std::vector<FileInfo> decode(const std::vector<std::string_view>& pieces, std::size_t max_entry = ListBodyDecoder::kMaxEntryBytes) {
  ListBodyDecoder decoder(max_entry);
  std::vector<FileInfo> out;
  for (auto piece : pieces) decoder.feed(piece, [&](FileInfo&& f) { out.push_back(std::move(f)); });
  decoder.finish();
  return out;
}

Errc error_of(const std::vector<std::string_view>& pieces, std::size_t max_entry = ListBodyDecoder::kMaxEntryBytes) {
  try {
    decode(pieces, max_entry);
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "accepted " << (pieces.empty() ? std::string() : std::string(pieces[0].substr(0, 60)));
  return Errc::internal;
}

TEST(ListBodyDecoder, TheBodyTheReferenceReads) {
  std::vector<FileInfo> want = reference_entries();
  ASSERT_EQ(want.size(), 5u);
  EXPECT_EQ(want[0].name, "a\"b\\c.png");
  EXPECT_EQ(want[2].name, "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80.png");
  ASSERT_TRUE(want[3].image);
  EXPECT_EQ(want[3].image->camera_model, "Canon \"EOS\" {R5}");
  EXPECT_FALSE(want[4].image);
  expect_same(decode({kBody}), want, "whole");
}

TEST(ListBodyDecoder, SplitAtEveryByteGivesTheSameEntries) {
  std::vector<FileInfo> want = reference_entries();
  std::string_view body = kBody;
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    expect_same(decode({body.substr(0, cut), body.substr(cut)}), want, "cut at " + std::to_string(cut));
  }
}

TEST(ListBodyDecoder, OneByteAtATimeAndEveryEntryAsSoonAsItCloses) {
  std::vector<FileInfo> want = reference_entries();
  ListBodyDecoder decoder;
  std::vector<FileInfo> got;
  std::size_t depth = 0, closed = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < kBody.size(); ++i) {
    decoder.feed(std::string_view(&kBody[i], 1), [&](FileInfo&& f) { got.push_back(std::move(f)); });
    // A referee of its own: where an entry's object closes at the array's level.
    char c = kBody[i];
    bool closes_entry = false;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      closes_entry = --depth == 1;
    }
    if (closes_entry) ++closed;
    // Handed on at the byte that closes it, not at the next comma or later.
    EXPECT_EQ(got.size(), closed) << "byte " << i;
  }
  decoder.finish();
  expect_same(got, want, "byte by byte");
}

TEST(ListBodyDecoder, EmptyListings) {
  EXPECT_TRUE(decode({"[]"}).empty());
  EXPECT_TRUE(decode({" [ \n ] ", ""}).empty());
  EXPECT_TRUE(decode({"[", "]"}).empty());
}

TEST(ListBodyDecoder, TruncatedAnywhereIsBadFrameWithTheCompleteEntriesHandedOn) {
  std::string_view body = kBody;
  std::size_t end = body.find_last_of(']');
  std::vector<FileInfo> want = reference_entries();
  for (std::size_t cut = 0; cut <= end; ++cut) {
    ListBodyDecoder decoder;
    std::size_t got = 0;
    decoder.feed(body.substr(0, cut), [&](FileInfo&&) { ++got; });
    EXPECT_LE(got, want.size());
    try {
      decoder.finish();
      ADD_FAILURE() << "a body cut at " << cut << " was taken as whole";
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.code(), Errc::bad_frame);
      EXPECT_THAT(e.what(), HasSubstr("ends before its array does"));
    }
  }
}

TEST(ListBodyDecoder, AnEntryOverTheBoundIsRefusedBeforeItIsHeldWhole) {
  std::string name(70 * 1024, 'a');
  std::string big = R"([{"name":")" + name + R"(.png","size":1,"mtime":2}])";
  ListBodyDecoder decoder;
  std::size_t fed = 0;
  try {
    for (; fed < big.size(); fed += 1000) decoder.feed(std::string_view(big).substr(fed, 1000), [](FileInfo&&) {});
    ADD_FAILURE() << "a 70 KiB entry was accepted";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), Errc::bad_frame);
    EXPECT_THAT(e.what(), HasSubstr("longer than 65536 bytes"));
  }
  // Refused within the piece that crossed the bound, not at the entry's end.
  EXPECT_LE(fed, ListBodyDecoder::kMaxEntryBytes + 1000);

  // The bound is exact: an entry of exactly max bytes passes, one more byte does not.
  std::string entry = R"({"name":"x.png","size":1,"mtime":2})";
  EXPECT_EQ(decode({"[" + entry + "]"}, entry.size()).size(), 1u);
  EXPECT_EQ(error_of({"[" + entry + "]"}, entry.size() - 1), Errc::bad_frame);
}

TEST(ListBodyDecoder, GarbageIsBadFrame) {
  std::string deep = "[" + std::string(10000, '{');
  std::string nested15 = R"([{"name":"a.png","size":1,"mtime":2,"x":)" + std::string(14, '[') + std::string(14, ']') + "}]";
  std::string nested16 = R"([{"name":"a.png","size":1,"mtime":2,"x":)" + std::string(15, '[') + std::string(15, ']') + "}]";
  EXPECT_EQ(decode({nested15}).size(), 1u);  // 16 levels, the array's included: as deep as a body may go
  const std::string ok = R"({"name":"a.png","size":1,"mtime":2})";
  for (const std::string& text : {
           std::string(""),
           std::string("   "),
           std::string("{}"),
           std::string("x[]"),
           std::string("[1,2]"),
           std::string("[\"a.png\"]"),
           std::string("[{}]"),
           std::string(R"([{"name":"a.png","size":1}])"),
           std::string(R"([{"name":"a.png","size":-1,"mtime":2}])"),
           std::string(R"([{"name":7,"size":1,"mtime":2}])"),
           "[" + ok + "x]",
           "[" + ok + "]x",
           "[" + ok + "][]",
           "[" + ok + ",]",
           "[," + ok + "]",
           "[" + ok + ok + "]",
           std::string(R"([{"name":"a.png","size":1,"mtime":2]])"),
           std::string(R"([{"name":"a.png","size":1,"mtime":[2}])"),
           std::string(R"([{"name":"a.png" "size":1,"mtime":2}])"),
           std::string("[{\"name\":\"a\xff.png\",\"size\":1,\"mtime\":2}]"),
           std::string("[{\"name\":\"a\nb.png\",\"size\":1,\"mtime\":2}]"),
           deep,
           nested16,
       }) {
    EXPECT_EQ(error_of({text}), Errc::bad_frame) << text.substr(0, 60);
  }
}

TEST(ListBodyDecoder, TheWholeBodyReaderIsTheSameDecoder) {
  expect_same(parse_list_body(kBody), reference_entries(), "parse_list_body");
  EXPECT_THROW(parse_list_body(R"([{"name":"a.png","size":1,"mtime":2})"), ProtocolError);
}

}  // namespace
}  // namespace imgsh::proto
