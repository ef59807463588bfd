#pragma once
// What Tab does to the line being typed: finds the word under the cursor,
// asks the right source for candidates (the command table's names, the
// server's names, local paths) and says how to rewrite the word so that the
// line still parses to the chosen name (escaped or inside its open quote).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsh::shell {

// Remote names starting with the prefix, at most some limit (truncated: there are
// more); none when the server does not answer soon.
struct RemoteCandidates {
  std::vector<std::string> names;
  bool truncated = false;
};
using RemoteNames = std::function<RemoteCandidates(const std::string& prefix)>;

struct CompletionResult {
  std::size_t word_start = 0;  // byte offset of the word being completed
  std::string replacement;     // the new text of line[word_start, end); empty: leave it
  std::vector<std::string> shown;  // the candidates as a listing shows them
  bool truncated = false;          // only the first candidates: nothing was completed
  bool unique() const { return shown.size() == 1 && !truncated; }
};

// `line` is the text before the cursor.
CompletionResult complete_line(std::string_view line, const RemoteNames& remote_names);

// Local paths starting with `typed` (a leading ~ or ~/ stands for $HOME);
// directories end in '/'. Hidden entries only when the typed name starts with '.'.
std::vector<std::string> local_path_candidates(const std::string& typed, bool directories_only = false);

}  // namespace imgsh::shell
