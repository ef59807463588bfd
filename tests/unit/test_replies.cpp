// Reply headers: ok, continue, error, hello limits, and file entries.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/error_code.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/messages.hpp"
#include "tests/unit/message_test_support.hpp"

namespace imgsh::proto {
namespace {

using namespace test_support;
using nlohmann::json;
using ::testing::HasSubstr;

Errc reply_error(const json& header) {
  try {
    (void)parse_reply(header);
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "parse_reply accepted " << header.dump();
  return Errc::internal;
}

// ---------------------------------------------------------------- replies

TEST(Replies, OkReply) {
  EXPECT_EQ(ok_reply(9), wire(R"({"id":9,"status":"ok"})"));
  Reply r = parse_reply(through_the_wire(ok_reply(9)));
  EXPECT_EQ(r.id, 9u);
  EXPECT_EQ(r.status, ReplyStatus::ok);
  EXPECT_EQ(r.fields, ok_reply(9));
}

TEST(Replies, ContinueReply) {
  EXPECT_EQ(continue_reply(6), wire(R"({"id":6,"status":"continue"})"));
  Reply r = parse_reply(through_the_wire(continue_reply(6)));
  EXPECT_EQ(r.id, 6u);
  EXPECT_EQ(r.status, ReplyStatus::continue_);
}

TEST(Replies, ErrorReply) {
  EXPECT_EQ(error_reply(5, Errc::exists, "cat.png exists"),
            wire(R"({"id":5,"status":"error","code":"exists","message":"cat.png exists"})"));
  Reply r = parse_reply(through_the_wire(error_reply(5, Errc::exists, "cat.png exists")));
  EXPECT_EQ(r.id, 5u);
  EXPECT_EQ(r.status, ReplyStatus::error);
  EXPECT_EQ(r.code, Errc::exists);
  EXPECT_EQ(r.message, "cat.png exists");
}

TEST(Replies, EveryErrorCodeRoundTrips) {
  for (int i = 0; i <= static_cast<int>(Errc::tls_required); ++i) {
    auto code = static_cast<Errc>(i);
    json h = through_the_wire(error_reply(static_cast<std::uint64_t>(i) + 100, code, "because"));
    EXPECT_EQ(errc_from_string(h["code"].get<std::string>()), code);
    Reply r = parse_reply(h);
    EXPECT_EQ(r.id, static_cast<std::uint64_t>(i) + 100);
    EXPECT_EQ(r.status, ReplyStatus::error);
    EXPECT_EQ(r.code, code) << to_string(code);
    EXPECT_EQ(r.message, "because");
  }
}

TEST(Replies, ErrorReplyWithUnknownOrMissingCode) {
  // Codes may be added later; an unknown one is read as internal, message kept.
  Reply r = parse_reply(wire(R"({"id":1,"status":"error","code":"quota_exceeded","message":"m"})"));
  EXPECT_EQ(r.status, ReplyStatus::error);
  EXPECT_EQ(r.code, Errc::internal);
  EXPECT_EQ(r.message, "m");
  EXPECT_EQ(r.fields["code"], "quota_exceeded");
  r = parse_reply(wire(R"({"id":1,"status":"error"})"));
  EXPECT_EQ(r.code, Errc::internal);
  EXPECT_EQ(r.message, "");
}

TEST(Replies, OpSpecificFieldsAreKept) {
  Reply r = parse_reply(wire(R"({"id":3,"status":"ok","name":"cat.jpg","size":48213,"mtime":1763700000})"));
  EXPECT_EQ(r.status, ReplyStatus::ok);
  EXPECT_EQ(r.fields["name"], "cat.jpg");
  EXPECT_EQ(r.fields["size"], 48213);
  EXPECT_EQ(r.fields["mtime"], 1763700000);
}

TEST(Replies, MalformedRepliesAreBadFrame) {
  for (std::string_view text : {
           R"({"status":"ok"})",
           R"({"id":-1,"status":"ok"})",
           R"({"id":"1","status":"ok"})",
           R"({"id":1.5,"status":"ok"})",
           R"({"id":1})",
           R"({"id":1,"status":1})",
           R"({"id":1,"status":null})",
           R"({"id":1,"status":"OK"})",
           R"({"id":1,"status":"maybe"})",
           R"({"id":1,"status":"error","code":5,"message":"m"})",
           R"({"id":1,"status":"error","code":"exists","message":["m"]})",
           R"([])",
           R"("ok")",
           R"(null)",
       }) {
    EXPECT_EQ(reply_error(wire(text)), Errc::bad_frame) << text;
  }
}

// ---------------------------------------------------------------- hello and limits

TEST(HelloReply, ReplyCarriesServerVersionAndLimits) {
  Limits limits{5'000'000'000ULL, 1048576, 65536};
  json h = hello_reply(1, "imgsrv/0.1.0", limits);
  EXPECT_EQ(h, wire(R"({"id":1,"status":"ok","server":"imgsrv/0.1.0","version":1,
                       "limits":{"max_file_size":5000000000,"inline_put_max":1048576,"max_header":65536}})"));
  Reply r = parse_reply(through_the_wire(h));
  EXPECT_EQ(r.id, 1u);
  EXPECT_EQ(r.status, ReplyStatus::ok);
  Limits back = limits_from_reply(r);
  EXPECT_EQ(back.max_file_size, 5'000'000'000ULL);
  EXPECT_EQ(back.inline_put_max, 1048576u);
  EXPECT_EQ(back.max_header, 65536u);
}

TEST(HelloReply, LimitsRoundTripExtremes) {
  for (Limits limits : {Limits{0, 0, 1}, Limits{UINT64_MAX, UINT64_MAX, UINT32_MAX}, Limits{1, 2, 3}}) {
    Limits back = limits_from_reply(parse_reply(through_the_wire(hello_reply(2, "s", limits))));
    EXPECT_EQ(back.max_file_size, limits.max_file_size);
    EXPECT_EQ(back.inline_put_max, limits.inline_put_max);
    EXPECT_EQ(back.max_header, limits.max_header);
  }
}

TEST(HelloReply, ReplyWithoutLimitsGivesDefaults) {
  Limits defaults;
  Limits back = limits_from_reply(parse_reply(wire(R"({"id":1,"status":"ok","server":"x","version":1})")));
  EXPECT_EQ(back.max_file_size, defaults.max_file_size);
  EXPECT_EQ(back.inline_put_max, defaults.inline_put_max);
  EXPECT_EQ(back.max_header, defaults.max_header);
  back = limits_from_reply(parse_reply(wire(R"({"id":1,"status":"ok","limits":[1,2,3]})")));
  EXPECT_EQ(back.max_header, defaults.max_header);
}

TEST(HelloReply, MissingMaxHeaderKeepsTheDefaultNotZero) {
  // A limits object without max_header (an older or leaner server) must not
  // leave the client believing that no header may be longer than 0 bytes.
  Limits back = limits_from_reply(
      parse_reply(wire(R"({"id":1,"status":"ok","limits":{"max_file_size":10,"inline_put_max":20}})")));
  EXPECT_EQ(back.max_file_size, 10u);
  EXPECT_EQ(back.inline_put_max, 20u);
  EXPECT_EQ(back.max_header, Limits{}.max_header);
}

TEST(HelloReply, HugeMaxHeaderIsClamped) {
  Limits back = limits_from_reply(parse_reply(wire(R"({"id":1,"status":"ok","limits":{"max_header":4294967297}})")));
  EXPECT_EQ(back.max_header, UINT32_MAX);
}

// ---------------------------------------------------------------- file entries

TEST(FileEntries, RoundTrip) {
  for (const FileInfo& info : {FileInfo{"cat.jpg", 48213, 1763700000}, FileInfo{"caf\xc3\xa9.png", 0, 0},
                               FileInfo{"old.png", UINT64_MAX, -86400}}) {
    json j = through_the_wire(json{{"e", to_json(info)}})["e"];
    FileInfo back = file_info_from_json(j);
    EXPECT_EQ(back.name, info.name);
    EXPECT_EQ(back.size, info.size);
    EXPECT_EQ(back.mtime, info.mtime);
  }
  EXPECT_EQ(to_json(FileInfo{"cat.jpg", 48213, 1763700000}),
            wire(R"({"name":"cat.jpg","size":48213,"mtime":1763700000})"));
}

TEST(FileEntries, ListBodyArrayParses) {
  json body = wire(R"([{"name":"cat.jpg","size":48213,"mtime":1763700000},{"name":"car.png","size":1,"mtime":2}])");
  std::vector<FileInfo> entries;
  for (const json& e : body) entries.push_back(file_info_from_json(e));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].name, "car.png");
  EXPECT_EQ(entries[1].size, 1u);
  EXPECT_EQ(entries[1].mtime, 2);
}

TEST(FileEntries, MalformedEntriesAreBadRequest) {
  for (std::string_view text : {
           R"([])",
           R"("cat.jpg")",
           R"({"size":1,"mtime":2})",
           R"({"name":1,"size":1,"mtime":2})",
           R"({"name":"a.png","mtime":2})",
           R"({"name":"a.png","size":-1,"mtime":2})",
           R"({"name":"a.png","size":"1","mtime":2})",
           R"({"name":"a.png","size":1})",
           R"({"name":"a.png","size":1,"mtime":"2"})",
           R"({"name":"a.png","size":1,"mtime":2.5})",
       }) {
    try {
      (void)file_info_from_json(wire(text));
      ADD_FAILURE() << text << " was accepted";
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.code(), Errc::bad_request) << text;
    }
  }
}

}  // namespace
}  // namespace imgsh::proto
