// Typed ok replies (messages.hpp): the builders' wire form, and parsing back,
// where a malformed field is bad_frame (the server is broken, not the request).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"
#include "tests/unit/message_test_support.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kXxh3 = "1196b1c190562e6e08bad4d44fdfec9d";

template <class F>
Errc error_of(F&& parse, std::string_view what) {
  try {
    parse();
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "accepted " << what;
  return Errc::internal;
}

// ---------------------------------------------------------------- hello

TEST(TypedHello, ServerAndLimitsFromTheBuilder) {
  Limits limits{7, 1048576, 4096};
  HelloReply hello = parse_hello_reply(parse_reply(through_the_wire(hello_reply(1, "imgsrv/0.1.0", limits))));
  EXPECT_EQ(hello.server, "imgsrv/0.1.0");
  EXPECT_EQ(hello.limits.max_file_size, 7u);
  EXPECT_EQ(hello.limits.inline_put_max, 1048576u);
  EXPECT_EQ(hello.limits.max_header, 4096u);
}

TEST(TypedHello, ServerNotNamedIsImgsrv) {
  HelloReply hello = parse_hello_reply(parse_reply(wire(R"({"id":1,"status":"ok","version":1})")));
  EXPECT_EQ(hello.server, "imgsrv");
  EXPECT_EQ(hello.limits.max_header, Limits{}.max_header);
}

TEST(TypedHello, MalformedFieldsAreBadFrame) {
  for (std::string_view text : {
           R"({"id":1,"status":"ok","server":5})",
           R"({"id":1,"status":"ok","server":null})",
           R"({"id":1,"status":"ok","server":"s","limits":{"max_file_size":"big"}})",
           R"({"id":1,"status":"ok","server":"s","limits":{"inline_put_max":-1}})",
           R"({"id":1,"status":"ok","server":"s","limits":{"max_header":1.5}})",
       }) {
    Reply reply = parse_reply(wire(text));
    EXPECT_EQ(error_of([&] { (void)parse_hello_reply(reply); }, text), Errc::bad_frame) << text;
  }
}

// ---------------------------------------------------------------- stat, get, put

TEST(TypedFileReply, BuilderWireFormAndBack) {
  FileInfo info{"cat.jpg", 48213, 1763700000, kXxh3};
  json h = file_info_reply(3, info);
  EXPECT_EQ(h, wire(R"({"id":3,"status":"ok","name":"cat.jpg","size":48213,"mtime":1763700000,
                        "xxh3":"1196b1c190562e6e08bad4d44fdfec9d"})"));
  FileInfo back = parse_file_info_reply(parse_reply(through_the_wire(h)));
  EXPECT_EQ(back.name, "cat.jpg");
  EXPECT_EQ(back.size, 48213u);
  EXPECT_EQ(back.mtime, 1763700000);
  EXPECT_EQ(back.xxh3, kXxh3);
}

TEST(TypedFileReply, MalformedFieldsAreBadFrameAndSayWhich) {
  for (std::string_view text : {
           R"({"id":3,"status":"ok","size":1,"mtime":2})",
           R"({"id":3,"status":"ok","name":"a.png","size":-1,"mtime":2})",
           R"({"id":3,"status":"ok","name":"a.png","size":1,"mtime":"2"})",
           R"({"id":3,"status":"ok","name":"a.png","size":1,"mtime":2,"xxh3":"ABC"})",
       }) {
    Reply reply = parse_reply(wire(text));
    EXPECT_EQ(error_of([&] { (void)parse_file_info_reply(reply); }, text), Errc::bad_frame) << text;
  }
  try {
    (void)parse_file_info_reply(parse_reply(wire(R"({"id":3,"status":"ok","name":"a.png","mtime":2})")));
    ADD_FAILURE() << "a reply without size was accepted";
  } catch (const ProtocolError& e) {
    EXPECT_THAT(e.what(), HasSubstr("malformed reply from the server"));
    EXPECT_THAT(e.what(), HasSubstr("'size'"));
  }
}

TEST(TypedFileReply, ImageFactsTravelUnderImage) {
  FileInfo info{"cat.jpg", 48213, 1763700000, kXxh3};
  ImageFacts facts;
  facts.format = ImageKind::jpeg;
  facts.width = 720;
  facts.height = 477;
  facts.bit_depth = 8;
  facts.color = ColorModel::ycbcr;
  facts.orientation = 6;
  facts.capture_time = "2026-12-03T07:50:00";
  info.image = facts;
  json h = file_info_reply(3, info);
  EXPECT_EQ(h["image"], to_json(facts));
  FileInfo back = parse_file_info_reply(parse_reply(through_the_wire(h)));
  ASSERT_TRUE(back.image);
  EXPECT_EQ(*back.image, facts);
  // In a list body too; an entry without facts has no "image" key at all.
  std::vector<FileInfo> entries = parse_list_body(list_body({info, FileInfo{"junk.png", 5, 1}}));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].image, facts);
  EXPECT_FALSE(entries[1].image);
  EXPECT_FALSE(to_json(FileInfo{"junk.png", 5, 1}).contains("image"));
}

// A later server may add a format or colour model: the entry stays, its facts are dropped.
TEST(TypedFileReply, ImageObjectNotUnderstoodIsDroppedNotFatal) {
  for (std::string_view text : {
           R"({"id":3,"status":"ok","name":"a.png","size":1,"mtime":2,"image":{"format":"webp","width":1,"height":1,"bit_depth":8,"color":"rgb","progressive":false}})",
           R"({"id":3,"status":"ok","name":"a.png","size":1,"mtime":2,"image":"png"})",
           R"({"id":3,"status":"ok","name":"a.png","size":1,"mtime":2,"image":{"format":"png","width":-1}})",
       }) {
    FileInfo back = parse_file_info_reply(parse_reply(wire(text)));
    EXPECT_EQ(back.name, "a.png") << text;
    EXPECT_FALSE(back.image) << text;
  }
}

// ---------------------------------------------------------------- list

TEST(TypedList, BuilderWireFormAndBack) {
  EXPECT_EQ(list_reply(2, 2, false), wire(R"({"id":2,"status":"ok","count":2,"truncated":false})"));
  ListReply list = parse_list_reply(parse_reply(through_the_wire(list_reply(2, 2, false))));
  EXPECT_EQ(list.count, 2u);
  EXPECT_FALSE(list.truncated);
  list = parse_list_reply(parse_reply(through_the_wire(list_reply(4, 200, true))));
  EXPECT_EQ(list.count, 200u);
  EXPECT_TRUE(list.truncated);
}

TEST(TypedList, OnlyARealTrueIsTruncated) {
  // A sloppy server's listing is still shown: anything but true is false.
  for (std::string_view text : {
           R"({"id":2,"status":"ok","count":1,"truncated":"yes"})",
           R"({"id":2,"status":"ok","count":1,"truncated":1})",
           R"({"id":2,"status":"ok","count":1})",
       }) {
    EXPECT_FALSE(parse_list_reply(parse_reply(wire(text))).truncated) << text;
  }
}

TEST(TypedList, MalformedCountIsBadFrame) {
  for (std::string_view text : {
           R"({"id":2,"status":"ok","count":-1,"truncated":false})",
           R"({"id":2,"status":"ok","count":"2","truncated":false})",
           R"({"id":2,"status":"ok","count":2.5,"truncated":false})",
       }) {
    Reply reply = parse_reply(wire(text));
    EXPECT_EQ(error_of([&] { (void)parse_list_reply(reply); }, text), Errc::bad_frame) << text;
  }
}

TEST(TypedList, BodyRoundTrip) {
  std::vector<FileInfo> files{{"car.png", 1, 2}, {"cat.jpg", 48213, 1763700000}};
  std::string body = list_body(files);
  EXPECT_EQ(json::parse(body), wire(R"([{"name":"car.png","size":1,"mtime":2},
                                        {"name":"cat.jpg","size":48213,"mtime":1763700000}])"));
  std::vector<FileInfo> back = parse_list_body(body);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "cat.jpg");
  EXPECT_EQ(back[1].size, 48213u);
  EXPECT_EQ(back[0].mtime, 2);
  EXPECT_TRUE(parse_list_body("[]").empty());
}

TEST(TypedList, MalformedBodiesAreBadFrame) {
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  for (std::string_view text : {
           std::string_view(""),
           std::string_view("{}"),
           std::string_view("[1,2"),
           std::string_view(R"([{"name":"a.png","size":1}])"),
           std::string_view(R"([{"name":"a.png","size":1,"mtime":2},"b.png"])"),
           std::string_view(deep),
       }) {
    EXPECT_EQ(error_of([&] { (void)parse_list_body(text); }, text.substr(0, 40)), Errc::bad_frame) << text.substr(0, 40);
  }
}

// ---------------------------------------------------------------- ping

TEST(TypedPing, BuilderWireFormAndBack) {
  EXPECT_EQ(ping_reply(3, "imgsrv/0.1.0", 2), wire(R"({"id":3,"status":"ok","server":"imgsrv/0.1.0","sessions":2})"));
  PingReply ping = parse_ping_reply(parse_reply(through_the_wire(ping_reply(3, "imgsrv/0.1.0", 2))));
  EXPECT_EQ(ping.server, "imgsrv/0.1.0");
  EXPECT_EQ(ping.sessions, 2u);
}

TEST(TypedPing, MalformedFieldsAreBadFrame) {
  for (std::string_view text : {
           R"({"id":3,"status":"ok","sessions":2})",
           R"({"id":3,"status":"ok","server":7,"sessions":2})",
           R"({"id":3,"status":"ok","server":"imgsrv","sessions":-2})",
       }) {
    Reply reply = parse_reply(wire(text));
    EXPECT_EQ(error_of([&] { (void)parse_ping_reply(reply); }, text), Errc::bad_frame) << text;
  }
}

}  // namespace
}  // namespace imgsh::proto
