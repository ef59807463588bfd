#include "shell/completion.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "shell/command_table.hpp"
#include "shell/line_parser.hpp"
#include "shell/local_paths.hpp"

namespace imgsh::shell {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::vector<std::string> command_candidates(const std::string& typed) {
  std::vector<std::string> out;
  for (const auto& c : command_table()) {
    if (starts_with(c.name, typed)) out.emplace_back(c.name);
    for (auto alias : c.aliases) {
      if (starts_with(alias, typed)) out.emplace_back(alias);
    }
  }
  return out;
}

std::string common_prefix(const std::vector<std::string>& names) {
  std::string common = names.front();
  for (const auto& n : names) {
    std::size_t i = 0;
    while (i < common.size() && i < n.size() && common[i] == n[i]) ++i;
    common.resize(i);
  }
  return common;
}

std::string last_component(const std::string& path) {
  if (path.size() > 1 && path.back() == '/') {
    auto slash = path.find_last_of('/', path.size() - 2);
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<std::string> local_path_candidates(const std::string& typed, bool directories_only) {
  namespace fs = std::filesystem;
  if (typed == "~") return {"~/"};
  auto slash = typed.find_last_of('/');
  std::string dir_part = slash == std::string::npos ? "" : typed.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? typed : typed.substr(slash + 1);
  std::string dir = dir_part.empty() ? "." : expand_tilde(dir_part);
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!starts_with(name, base) || (name.front() == '.' && !starts_with(base, "."))) continue;
    std::error_code type_ec;
    bool is_dir = it->is_directory(type_ec);  // follows symbolic links, as cd does
    if (directories_only && !is_dir) continue;
    out.push_back(dir_part + name + (is_dir ? "/" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

CompletionResult complete_line(std::string_view line, const RemoteNames& remote_names) {
  CompletionResult result;
  if (!line.empty() && line.front() == '!') return result;  // a local shell command
  ScannedLine scanned = scan_words(line);
  std::size_t index = scanned.words.size();
  std::string typed;
  result.word_start = line.size();
  if (scanned.ends_in_word) {
    --index;
    typed = scanned.words.back();
    result.word_start = scanned.starts.back();
  }
  Completion kind = Completion::command;
  if (index > 0) {
    const Command* command = find_command(scanned.words[0]);
    kind = !command ? Completion::none
           : index > 1 && command->later_completion ? *command->later_completion
                                                    : command->completion;
    if (starts_with(typed, "-")) kind = Completion::none;  // an option
  }
  std::vector<std::string> candidates;
  switch (kind) {
    case Completion::none: break;
    case Completion::command: candidates = command_candidates(typed); break;
    case Completion::local: candidates = local_path_candidates(typed); break;
    case Completion::local_dir: candidates = local_path_candidates(typed, true); break;
    case Completion::remote:
      if (remote_names) {
        RemoteCandidates remote = remote_names(typed);
        candidates = std::move(remote.names);
        result.truncated = remote.truncated;
      }
      break;
  }
  std::erase_if(candidates, [&](const std::string& c) { return !starts_with(c, typed); });
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  if (candidates.empty()) return result;

  std::string_view raw = line.substr(result.word_start);
  char quote = scanned.ends_in_word ? scanned.open_quote : 0;
  if (result.truncated) {
    // The common part of the first names may not be common to all: complete nothing.
  } else if (candidates.size() == 1) {
    const std::string& only = candidates.front();
    result.replacement = std::string(raw) + escape_word(std::string_view(only).substr(typed.size()), quote);
    if (only.back() != '/') {  // a directory stays open for the next component
      if (quote) result.replacement += quote;
      result.replacement += ' ';
    }
  } else {
    std::string common = common_prefix(candidates);
    result.replacement = std::string(raw) + escape_word(std::string_view(common).substr(typed.size()), quote);
  }
  for (const auto& c : candidates) result.shown.push_back(kind == Completion::local || kind == Completion::local_dir ? last_component(c) : c);
  return result;
}

}  // namespace imgsh::shell
