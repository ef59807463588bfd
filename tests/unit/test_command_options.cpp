// parse_command_options (command_options.hpp): the one parser of shell command options.
#include <gtest/gtest.h>

#include "shell/command_options.hpp"

namespace imgsh::shell {
namespace {

const OptionTable kTable = {
    {'p', "preserve", false, "keep the modification time"},
    {'n', "", false, "skip same content"},
    {0, "json", false, "JSON"},
    {'t', "sort", true, "sort key"},
};

ParsedOptions parse_ok(const std::vector<std::string>& args) {
  std::string error;
  auto parsed = parse_command_options(args, kTable, error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(ParsedOptions{});
}

std::string parse_error(const std::vector<std::string>& args) {
  std::string error;
  EXPECT_FALSE(parse_command_options(args, kTable, error));
  return error;
}

TEST(CommandOptions, FlagsCombineAndMixWithOperands) {
  auto p = parse_ok({"a.png", "-pn", "b.png"});
  EXPECT_TRUE(p.has("preserve"));
  EXPECT_TRUE(p.has("n"));
  EXPECT_FALSE(p.has("json"));
  EXPECT_EQ(p.operands, (std::vector<std::string>{"a.png", "b.png"}));
}

TEST(CommandOptions, LongFlagsAndValues) {
  auto p = parse_ok({"--json", "--sort=size", "x"});
  EXPECT_TRUE(p.has("json"));
  EXPECT_EQ(p.value("sort"), "size");
  EXPECT_EQ(parse_ok({"--sort", "time"}).value("sort"), "time");
  EXPECT_EQ(parse_ok({"-t5"}).value("sort"), "5");
  EXPECT_EQ(parse_ok({"-pt", "name"}).value("sort"), "name");
  EXPECT_TRUE(parse_ok({"--preserve"}).has("preserve"));
}

TEST(CommandOptions, DoubleDashEndsOptionsAndLoneDashIsAnOperand) {
  auto p = parse_ok({"-p", "--", "-n.png", "--json"});
  EXPECT_TRUE(p.has("preserve"));
  EXPECT_FALSE(p.has("n"));
  EXPECT_EQ(p.operands, (std::vector<std::string>{"-n.png", "--json"}));
  EXPECT_EQ(parse_ok({"a.png", "-"}).operands, (std::vector<std::string>{"a.png", "-"}));
}

TEST(CommandOptions, UnknownOptionsAreNamed) {
  EXPECT_EQ(parse_error({"-x", "a.png"}), "unknown option -x");
  EXPECT_EQ(parse_error({"-px"}), "unknown option -x");
  EXPECT_EQ(parse_error({"--frobnicate"}), "unknown option --frobnicate");
  EXPECT_EQ(parse_error({"--sort"}), "option --sort needs a value");
  EXPECT_EQ(parse_error({"-t"}), "option -t needs a value");
  EXPECT_EQ(parse_error({"--json=yes"}), "option --json takes no value");
}

}  // namespace
}  // namespace imgsh::shell
