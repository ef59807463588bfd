// Error codes: the stable strings of DESIGN.md's wire contract.
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/error_code.hpp"

namespace imgsh::proto {
namespace {

// DESIGN.md, "Error codes (extend as needed, never rename)", in its order.
const std::vector<std::pair<Errc, std::string_view>> kDesignNames = {
    {Errc::bad_frame, "bad_frame"},
    {Errc::bad_request, "bad_request"},
    {Errc::unknown_op, "unknown_op"},
    {Errc::invalid_name, "invalid_name"},
    {Errc::unsupported_type, "unsupported_type"},
    {Errc::not_an_image, "not_an_image"},
    {Errc::empty_file, "empty_file"},
    {Errc::exists, "exists"},
    {Errc::not_found, "not_found"},
    {Errc::too_large, "too_large"},
    {Errc::no_space, "no_space"},
    {Errc::busy, "busy"},
    {Errc::timeout, "timeout"},
    {Errc::internal, "internal"},
    {Errc::checksum_mismatch, "checksum_mismatch"},
    {Errc::unauthorized, "unauthorized"},
    {Errc::forbidden, "forbidden"},
    {Errc::tls_required, "tls_required"},
};

TEST(ErrorCode, EveryCodeHasItsDesignName) {
  for (const auto& [code, name] : kDesignNames) {
    EXPECT_EQ(to_string(code), name);
    EXPECT_EQ(errc_from_string(name), code) << name;
  }
}

TEST(ErrorCode, EveryEnumValueRoundTripsAndNamesAreDistinct) {
  // The enum is contiguous from bad_frame to the last code added.
  ASSERT_EQ(static_cast<int>(Errc::bad_frame), 0);
  ASSERT_EQ(static_cast<std::size_t>(Errc::tls_required) + 1, kDesignNames.size());
  std::set<std::string_view> seen;
  for (int i = 0; i <= static_cast<int>(Errc::tls_required); ++i) {
    auto code = static_cast<Errc>(i);
    std::string_view name = to_string(code);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(errc_from_string(name), code) << name;
    EXPECT_EQ(name, kDesignNames[static_cast<std::size_t>(i)].second);
  }
}

TEST(ErrorCode, UnknownStringsAreNotCodes) {
  for (std::string_view text : {"", "BAD_FRAME", "Bad_Frame", "bad-frame", "bad_frame ", " bad_frame", "badframe",
                                "ok", "error", "unknown", "internal\n"}) {
    EXPECT_FALSE(errc_from_string(text).has_value()) << '"' << text << '"';
  }
  EXPECT_FALSE(errc_from_string(std::string_view("bad_frame\0", 10)).has_value());
}

TEST(ErrorCode, ProtocolErrorCarriesCodeAndMessage) {
  ProtocolError e(Errc::not_found, "cat.jpg: no such file");
  EXPECT_EQ(e.code(), Errc::not_found);
  EXPECT_STREQ(e.what(), "cat.jpg: no such file");
  try {
    throw ProtocolError(Errc::too_large, "big");
  } catch (const std::runtime_error& base) {
    EXPECT_STREQ(base.what(), "big");
  }
}

}  // namespace
}  // namespace imgsh::proto
