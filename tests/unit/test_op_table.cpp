// The op table (server/op_table.*): one row per request type, and
// request_permitted's rules: hello first, data and checksum only inside a put
// exchange, no body but on put, writes need rw rights.
#include <set>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/op_table.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;

// One default-constructed request of every type in proto::RequestBody.
template <std::size_t... I>
std::vector<proto::RequestBody> every_request(std::index_sequence<I...>) {
  return {proto::RequestBody(std::in_place_index<I>)...};
}
std::vector<proto::RequestBody> every_request() {
  return every_request(std::make_index_sequence<std::variant_size_v<proto::RequestBody>>{});
}

std::optional<Errc> refusal(std::string_view op, bool hello_done, Rights rights = Rights::read_write,
                            std::uint64_t body_len = 0) {
  for (const auto& body : every_request()) {
    if (proto::op_name(body) != op) continue;
    auto refused = request_permitted(find_op(body), SessionView{hello_done, rights}, body_len);
    return refused ? std::optional(refused->code()) : std::nullopt;
  }
  ADD_FAILURE() << "no request type for op " << op;
  return Errc::internal;
}

std::string refusal_text(std::string_view op, bool hello_done, Rights rights = Rights::read_write,
                         std::uint64_t body_len = 0) {
  for (const auto& row : op_table()) {
    if (row.op != op) continue;
    auto refused = request_permitted(row, SessionView{hello_done, rights}, body_len);
    return refused ? refused->what() : "";
  }
  return "no row";
}

TEST(OpTable, EveryRequestTypeHasExactlyOneRowUnderItsOwnName) {
  std::set<std::string_view> names;
  for (const auto& body : every_request()) {
    EXPECT_EQ(find_op(body).op, proto::op_name(body));
    names.insert(proto::op_name(body));
  }
  EXPECT_EQ(op_table().size(), names.size());
  for (const auto& row : op_table()) EXPECT_EQ(names.count(row.op), 1u) << row.op;
}

TEST(RequestPermitted, BeforeHelloOnlyHelloAndPingAreAllowed) {
  EXPECT_EQ(refusal("hello", false), std::nullopt);
  EXPECT_EQ(refusal("ping", false), std::nullopt);
  for (const char* op : {"list", "stat", "get", "put", "bye", "data", "checksum"}) {
    SCOPED_TRACE(op);
    EXPECT_EQ(refusal(op, false), Errc::bad_request);
    EXPECT_EQ(refusal_text(op, false), "the first request must be hello");
  }
}

TEST(RequestPermitted, AfterHelloASecondHelloIsRefusedAndTheOpsAreOpen) {
  EXPECT_EQ(refusal("hello", true), Errc::bad_request);
  EXPECT_EQ(refusal_text("hello", true), "hello was already sent");
  for (const char* op : {"list", "stat", "get", "put", "bye", "ping"}) EXPECT_EQ(refusal(op, true), std::nullopt) << op;
}

TEST(RequestPermitted, DataAndChecksumFramesOnTheirOwnAreRefused) {
  EXPECT_EQ(refusal("data", true, Rights::read_write, 10), Errc::bad_request);
  EXPECT_EQ(refusal_text("data", true, Rights::read_write, 10),
            "a data frame must follow a put announcement and its continue reply");
  EXPECT_EQ(refusal_text("checksum", true), "a checksum frame must follow a put body");
}

TEST(RequestPermitted, OnlyPutTakesABody) {
  EXPECT_EQ(refusal("put", true, Rights::read_write, 100), std::nullopt);
  for (const char* op : {"list", "stat", "get", "bye", "ping"}) {
    SCOPED_TRACE(op);
    EXPECT_EQ(refusal(op, true, Rights::read_write, 1), Errc::bad_request);
    EXPECT_EQ(refusal_text(op, true, Rights::read_write, 1), std::string(op) + " takes no body");
  }
  EXPECT_EQ(refusal_text("hello", false, Rights::read_write, 1), "hello takes no body");
}

TEST(RequestPermitted, AReadOnlySessionMayReadButNotPut) {
  EXPECT_EQ(refusal("put", true, Rights::read_only), Errc::forbidden);
  EXPECT_EQ(refusal_text("put", true, Rights::read_only),
            "this token is read-only (ro): put needs a token with rw rights");
  for (const char* op : {"list", "stat", "get", "bye", "ping"}) {
    EXPECT_EQ(refusal(op, true, Rights::read_only), std::nullopt) << op;
  }
}

TEST(RequestPermitted, DeleteAndRenameNeedRwdRights) {
  for (const char* op : {"delete", "rename"}) {
    SCOPED_TRACE(op);
    EXPECT_EQ(refusal(op, true, Rights::read_write_delete), std::nullopt);
    EXPECT_EQ(refusal(op, true, Rights::read_write), Errc::forbidden);
    EXPECT_EQ(refusal(op, true, Rights::read_only), Errc::forbidden);
    EXPECT_EQ(refusal_text(op, true, Rights::read_write),
              "this token has rw rights: " + std::string(op) + " needs a token with rwd rights");
    EXPECT_EQ(refusal(op, false, Rights::read_write_delete), Errc::bad_request);
    EXPECT_EQ(refusal(op, true, Rights::read_write_delete, 1), Errc::bad_request);
  }
  // rwd allows everything rw does.
  for (const char* op : {"list", "stat", "get", "put", "bye", "ping"}) {
    EXPECT_EQ(refusal(op, true, Rights::read_write_delete), std::nullopt) << op;
  }
}

TEST(RequestPermitted, WithoutTokensDeleteNamesAllowDelete) {
  for (const auto& row : op_table()) {
    if (row.op != "delete") continue;
    auto refused = request_permitted(row, SessionView{true, Rights::read_write, false}, 0);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code(), Errc::forbidden);
    EXPECT_THAT(std::string(refused->what()), ::testing::HasSubstr("--allow-delete"));
    EXPECT_FALSE(request_permitted(row, SessionView{true, Rights::read_write_delete, false}, 0));
  }
}

}  // namespace
}  // namespace imgsh::server
