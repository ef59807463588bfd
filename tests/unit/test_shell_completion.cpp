// The shell's pure parts: what Tab makes of a line (shell/completion.hpp), that
// every completed word parses back to the chosen name (shell/line_parser.hpp),
// and that every command of the one table can be found, completed and explained.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shell/command_table.hpp"
#include "shell/completion.hpp"
#include "shell/line_parser.hpp"

namespace imgsh::shell {
namespace {

using ::testing::ElementsAre;

// Like the server's list op: names with the prefix, at most `limit`.
RemoteNames fake_server(std::vector<std::string> names, std::vector<std::string>* asked = nullptr,
                        std::size_t limit = 200) {
  return [names, asked, limit](const std::string& prefix) {
    if (asked) asked->push_back(prefix);
    RemoteCandidates out;
    for (const auto& n : names) {
      if (n.rfind(prefix, 0) != 0) continue;
      if (out.names.size() == limit) {
        out.truncated = true;
        break;
      }
      out.names.push_back(n);
    }
    return out;
  };
}

// The line after Tab: the replacement spliced in.
std::string after_tab(const std::string& line, const RemoteNames& remote) {
  CompletionResult r = complete_line(line, remote);
  if (r.replacement.empty()) return line;
  return line.substr(0, r.word_start) + r.replacement;
}

TEST(Completion, CommandNamesAndAliasesFromTheTable) {
  EXPECT_EQ(after_tab("he", {}), "help ");
  EXPECT_EQ(after_tab("lp", {}), "lpwd ");
  CompletionResult r = complete_line("l", {});
  EXPECT_THAT(r.shown, ElementsAre("lcd", "list", "lls", "lpwd", "ls"));
  EXPECT_EQ(after_tab("help mg", {}), "help mget ");
}

TEST(Completion, RemoteNamesAreAskedWithTheTypedPrefix) {
  std::vector<std::string> asked;
  auto remote = fake_server({"cat.png", "car.png", "dog.png"}, &asked);
  EXPECT_EQ(after_tab("get do", remote), "get dog.png ");
  EXPECT_EQ(after_tab("get c", remote), "get ca");
  EXPECT_THAT(complete_line("get ca", remote).shown, ElementsAre("car.png", "cat.png"));
  EXPECT_THAT(asked, ElementsAre("do", "c", "ca"));
}

TEST(Completion, LaterArgumentsFollowTheTable) {
  auto remote = fake_server({"cat.png"});
  EXPECT_EQ(after_tab("get cat.png /nonexistent-dir/c", remote), "get cat.png /nonexistent-dir/c");  // local
  EXPECT_EQ(after_tab("put x.png c", remote), "put x.png c");  // a new remote name: nothing to offer
  EXPECT_EQ(after_tab("mget dog.png c", remote), "mget dog.png cat.png ");
}

TEST(Completion, ATruncatedListCompletesNothing) {
  // the first two names share "a0", but "b.png" exists beyond the limit
  auto remote = fake_server({"a01.png", "a02.png", "b.png"}, nullptr, 2);
  CompletionResult r = complete_line("get ", remote);
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.unique());
  EXPECT_EQ(after_tab("get ", remote), "get ");
  EXPECT_EQ(after_tab("get b", remote), "get b.png ");
}

TEST(Completion, NoCandidatesLeavesTheLine) {
  auto remote = fake_server({"cat.png"});
  EXPECT_EQ(after_tab("get z", remote), "get z");
  EXPECT_EQ(after_tab("get z", fake_server({})), "get z");
  EXPECT_EQ(after_tab("quit x", remote), "quit x");      // quit takes nothing
  EXPECT_EQ(after_tab("frobnicate c", remote), "frobnicate c");
  EXPECT_EQ(after_tab("ls -", remote), "ls -");           // an option, not a name
}

TEST(Completion, SpecialCharactersAreEscapedSoTheLineParsesBack) {
  const std::vector<std::string> names = {"my cat.png", "it's.png", "say \"hi\".png", "back\\slash.png", "tab\there.png"};
  for (const auto& name : names) {
    for (const std::string& typed : {std::string("get "), std::string("get '"), std::string("get \""),
                                     std::string("get ") + name.substr(0, 1)}) {
      std::string line = after_tab(typed, fake_server({name}));
      ParsedLine parsed = split_words(line);
      ASSERT_TRUE(parsed.error.empty()) << typed << " -> " << line << ": " << parsed.error;
      EXPECT_THAT(parsed.words, ElementsAre("get", name)) << typed << " -> " << line;
      EXPECT_EQ(line.back(), ' ') << line;
    }
  }
}

TEST(Completion, ContinuesInsideAnOpenQuote) {
  auto remote = fake_server({"my holiday.png", "my home.png"});
  EXPECT_EQ(after_tab("get \"my holi", remote), "get \"my holiday.png\" ");
  EXPECT_EQ(after_tab("get 'my h", remote), "get 'my ho");
  EXPECT_EQ(after_tab("get my\\ h", remote), "get my\\ ho");
}

TEST(Completion, LocalPathsAndDirectoriesOnlyForLcd) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("imgsh-completion-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "snapshots");
  std::ofstream(dir / "snap.png") << "x";
  std::ofstream(dir / ".snap-hidden.png") << "x";
  std::string base = dir.string() + "/sn";
  EXPECT_THAT(complete_line("put " + base, {}).shown, ElementsAre("snap.png", "snapshots/"));
  EXPECT_EQ(after_tab("lcd " + base, {}), "lcd " + dir.string() + "/snapshots/");  // a directory: no space
  EXPECT_EQ(after_tab("put " + dir.string() + "/snap.", {}), "put " + dir.string() + "/snap.png ");
  EXPECT_THAT(complete_line("put " + dir.string() + "/.sn", {}).shown, ElementsAre(".snap-hidden.png"));
  fs::remove_all(dir);
}

TEST(LineParser, ScanReportsWordStartsAndOpenQuote) {
  ScannedLine s = scan_words("get \"my ca");
  EXPECT_THAT(s.words, ElementsAre("get", "my ca"));
  EXPECT_THAT(s.starts, ElementsAre(0u, 4u));
  EXPECT_TRUE(s.ends_in_word);
  EXPECT_EQ(s.open_quote, '"');
  ScannedLine t = scan_words("put x ");
  EXPECT_FALSE(t.ends_in_word);
  EXPECT_EQ(t.open_quote, 0);
}

TEST(CommandTable, EveryCommandHasUsageHelpAndAUniqueName) {
  std::set<std::string_view> seen;
  for (const auto& c : command_table()) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_FALSE(c.name.empty());
    EXPECT_EQ(c.usage.substr(0, c.name.size()), c.name) << "the usage line starts with the command";
    EXPECT_GT(c.help.size(), 10u) << "a help line that says something";
    EXPECT_NE(c.run, nullptr);
    EXPECT_LE(c.min_args, c.max_args);
    EXPECT_TRUE(seen.insert(c.name).second) << "duplicate name";
    for (auto alias : c.aliases) EXPECT_TRUE(seen.insert(alias).second) << "duplicate alias " << alias;
    EXPECT_EQ(find_command(c.name), &c);
    for (auto alias : c.aliases) EXPECT_EQ(find_command(alias), &c);
  }
  for (std::string_view needed : {"ls", "get", "mget", "put", "mput", "stat", "lls", "lcd", "lpwd", "!", "progress",
                                  "version", "help", "quit"}) {
    EXPECT_TRUE(seen.count(needed)) << needed;
  }
}

}  // namespace
}  // namespace imgsh::shell
