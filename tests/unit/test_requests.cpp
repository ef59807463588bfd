// Request headers: every op's exact header, round trips, and parse errors.
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

Errc request_error(const json& header, std::uint64_t& id_out) {
  try {
    (void)parse_request(header, id_out);
  } catch (const ProtocolError& e) {
    EXPECT_FALSE(std::string(e.what()).empty());
    return e.code();
  }
  ADD_FAILURE() << "parse_request accepted " << header.dump();
  return Errc::internal;
}

Errc request_error(std::string_view text) {
  std::uint64_t id = 12345;
  return request_error(wire(text), id);
}

// ---------------------------------------------------------------- op names and headers

TEST(Requests, OpNames) {
  EXPECT_EQ(op_name(Hello{}), "hello");
  EXPECT_EQ(op_name(List{}), "list");
  EXPECT_EQ(op_name(Stat{}), "stat");
  EXPECT_EQ(op_name(Get{}), "get");
  EXPECT_EQ(op_name(Put{}), "put");
  EXPECT_EQ(op_name(Data{}), "data");
  EXPECT_EQ(op_name(Bye{}), "bye");
}

TEST(Requests, ExactHeaders) {
  EXPECT_EQ(to_header(Request{1, Hello{1, "imgsh/0.1.0"}}),
            wire(R"({"op":"hello","id":1,"version":1,"client":"imgsh/0.1.0"})"));
  EXPECT_EQ(to_header(Request{2, List{"ca", 100}}), wire(R"({"op":"list","id":2,"prefix":"ca","limit":100})"));
  EXPECT_EQ(to_header(Request{2, List{}}), wire(R"({"op":"list","id":2})"));
  EXPECT_EQ(to_header(Request{3, Stat{"cat.jpg"}}), wire(R"({"op":"stat","id":3,"name":"cat.jpg"})"));
  EXPECT_EQ(to_header(Request{4, Get{"cat.jpg"}}), wire(R"({"op":"get","id":4,"name":"cat.jpg"})"));
  EXPECT_EQ(to_header(Request{7, Put{"cat.png", 4}}), wire(R"({"op":"put","id":7,"name":"cat.png","size":4})"));
  EXPECT_EQ(to_header(Request{6, Data{}}), wire(R"({"op":"data","id":6})"));
  EXPECT_EQ(to_header(Request{9, Bye{}}), wire(R"({"op":"bye","id":9})"));
  EXPECT_EQ(to_header(Request{1, Hello{1, "imgsh/0.1.0", "s3cret"}}),
            wire(R"({"op":"hello","id":1,"version":1,"client":"imgsh/0.1.0","token":"s3cret"})"));
}

TEST(Requests, ProtocolMdHelloExampleIs56Bytes) {
  std::string head = encode_frame_head(to_header(Request{1, Hello{1, "imgsh/0.1.0"}}), 0);
  EXPECT_EQ(head.size(), kPrefixSize + 56);
  EXPECT_EQ(head.substr(0, 4), std::string("\x00\x00\x00\x38", 4));
}

// ---------------------------------------------------------------- round trips

std::vector<Request> every_op() {
  return {
      Request{1, Hello{1, "imgsh/0.1.0"}},
      Request{2, Hello{7, ""}},
      Request{2, Hello{1, "imgsh/0.1.0", "tok-_en"}},
      Request{3, List{}},
      Request{4, List{"ca", 0}},
      Request{5, List{"", 100}},
      Request{6, List{"caf\xc3\xa9", UINT64_MAX}},
      Request{7, Stat{"cat.jpg"}},
      Request{8, Get{"caf\xc3\xa9.png"}},
      Request{9, Put{"cat.png", 4}},
      Request{10, Put{"big.jpg", std::uint64_t{4294967296}}},
      Request{11, Put{"max.jpg", UINT64_MAX}},
      Request{12, Data{}},
      Request{13, Bye{}},
      Request{0, Bye{}},
      Request{UINT64_MAX, Stat{"x.png"}},
  };
}

void expect_same(const Request& a, const Request& b) {
  EXPECT_EQ(a.id, b.id);
  ASSERT_EQ(a.body.index(), b.body.index()) << op_name(a.body) << " vs " << op_name(b.body);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b.body);
        if constexpr (std::is_same_v<T, Hello>) {
          EXPECT_EQ(x.version, y.version);
          EXPECT_EQ(x.client, y.client);
          EXPECT_EQ(x.token, y.token);
        } else if constexpr (std::is_same_v<T, List>) {
          EXPECT_EQ(x.prefix, y.prefix);
          EXPECT_EQ(x.limit, y.limit);
        } else if constexpr (std::is_same_v<T, Stat> || std::is_same_v<T, Get>) {
          EXPECT_EQ(x.name, y.name);
        } else if constexpr (std::is_same_v<T, Put>) {
          EXPECT_EQ(x.name, y.name);
          EXPECT_EQ(x.size, y.size);
        }
      },
      a.body);
}

TEST(Requests, RoundTripEveryOp) {
  for (const Request& original : every_op()) {
    SCOPED_TRACE(to_header(original).dump());
    std::uint64_t id_out = 777;
    Request parsed = parse_request(to_header(original), id_out);
    EXPECT_EQ(id_out, original.id);
    expect_same(parsed, original);
  }
}

TEST(Requests, RoundTripEveryOpThroughTheWire) {
  for (const Request& original : every_op()) {
    SCOPED_TRACE(to_header(original).dump());
    std::uint64_t id_out = 777;
    Request parsed = parse_request(through_the_wire(to_header(original)), id_out);
    EXPECT_EQ(id_out, original.id);
    expect_same(parsed, original);
  }
}

TEST(Requests, UnknownFieldsAndKeyOrderDoNotMatter) {
  std::uint64_t id = 0;
  Request r = parse_request(wire(R"({"size":4,"extra":[1,2],"name":"cat.png","id":7,"op":"put","x":null})"), id);
  EXPECT_EQ(id, 7u);
  ASSERT_TRUE(std::holds_alternative<Put>(r.body));
  EXPECT_EQ(std::get<Put>(r.body).name, "cat.png");
  EXPECT_EQ(std::get<Put>(r.body).size, 4u);
}

TEST(Requests, HelloVersionIsClampedNotWrapped) {
  // 2^32 + 1 must not wrap around to version 1.
  std::uint64_t id = 0;
  Request r = parse_request(wire(R"({"op":"hello","id":1,"version":4294967297})"), id);
  ASSERT_TRUE(std::holds_alternative<Hello>(r.body));
  EXPECT_EQ(std::get<Hello>(r.body).version, UINT32_MAX);
  EXPECT_EQ(std::get<Hello>(r.body).client, "");
}

TEST(Requests, OtherHelloVersionsParse) {
  // Refusing them is the server's business; the schema reads them faithfully.
  std::uint64_t id = 0;
  Request r = parse_request(wire(R"({"op":"hello","id":1,"version":2,"client":"x"})"), id);
  EXPECT_EQ(std::get<Hello>(r.body).version, 2u);
  r = parse_request(wire(R"({"op":"hello","id":1,"version":0})"), id);
  EXPECT_EQ(std::get<Hello>(r.body).version, 0u);
}

// ---------------------------------------------------------------- request errors

TEST(RequestErrors, MissingOrBadId) {
  EXPECT_EQ(request_error(R"({"op":"bye"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":-1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":"1"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":1.0})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":1.5})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":null})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":true})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":[1]})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"bye","id":18446744073709551616})"), Errc::bad_request);  // 2^64
}

TEST(RequestErrors, IdOutIsZeroWhenNoIdCouldBeRead) {
  std::uint64_t id = 12345;
  EXPECT_EQ(request_error(wire(R"({"op":"bye","id":-5})"), id), Errc::bad_request);
  EXPECT_EQ(id, 0u);
  id = 12345;
  EXPECT_EQ(request_error(wire(R"({"op":"bye"})"), id), Errc::bad_request);
  EXPECT_EQ(id, 0u);
}

TEST(RequestErrors, MissingOrNonStringOp) {
  std::uint64_t id = 0;
  EXPECT_EQ(request_error(wire(R"({"id":5})"), id), Errc::bad_request);
  EXPECT_EQ(id, 5u);
  id = 0;
  EXPECT_EQ(request_error(wire(R"({"id":6,"op":3})"), id), Errc::bad_request);
  EXPECT_EQ(id, 6u);
  EXPECT_EQ(request_error(R"({"id":6,"op":null})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"id":6,"op":["get"]})"), Errc::bad_request);
}

TEST(RequestErrors, UnknownOpKeepsTheId) {
  for (std::string_view text : {R"({"op":"chmod","id":42})", R"({"op":"","id":42})", R"({"op":"GET","id":42})",
                                R"({"op":"get ","id":42})", R"({"op":"rm","id":42,"name":"x.png"})"}) {
    std::uint64_t id = 0;
    try {
      (void)parse_request(wire(text), id);
      ADD_FAILURE() << text << " was accepted";
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.code(), Errc::unknown_op) << text;
      EXPECT_EQ(id, 42u) << text;
    }
  }
}

TEST(RequestErrors, UnknownOpMessageNamesTheOp) {
  std::uint64_t id = 0;
  try {
    (void)parse_request(wire(R"({"op":"chmod","id":1})"), id);
    ADD_FAILURE();
  } catch (const ProtocolError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chmod"));
  }
}

TEST(RequestErrors, BadPutFields) {
  std::uint64_t id = 0;
  EXPECT_EQ(request_error(wire(R"({"op":"put","id":8,"name":"x.png","size":-1})"), id), Errc::bad_request);
  EXPECT_EQ(id, 8u);  // echoed in the error reply
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"name":"x.png","size":"4"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"name":"x.png","size":4.5})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"name":"x.png","size":null})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"name":"x.png"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"size":4})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"put","id":8,"name":5,"size":4})"), Errc::bad_request);
}

TEST(RequestErrors, BadFieldsOfOtherOps) {
  EXPECT_EQ(request_error(R"({"op":"hello","id":1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"hello","id":1,"version":"1"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"hello","id":1,"version":-1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"hello","id":1,"version":1,"client":7})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"list","id":1,"prefix":7})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"list","id":1,"limit":-1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"list","id":1,"limit":"10"})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"list","id":1,"prefix":null})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"stat","id":1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"stat","id":1,"name":["x.png"]})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"get","id":1})"), Errc::bad_request);
  EXPECT_EQ(request_error(R"({"op":"get","id":1,"name":{}})"), Errc::bad_request);
}

TEST(RequestErrors, NonObjectHeaderIsBadRequest) {
  // The frame decoder refuses these first; the schema must not crash on them either.
  for (std::string_view text : {"[]", "[1,2]", "\"bye\"", "3", "null"}) {
    EXPECT_EQ(request_error(text), Errc::bad_request) << text;
  }
}

}  // namespace
}  // namespace imgsh::proto
