#include "shell/delete_commands.hpp"

#include "shell/local_paths.hpp"
#include "shell/remote_op.hpp"
#include "shell/remote_patterns.hpp"

namespace imgsh::shell {
namespace {

// The names a pattern stands for: a glob's matches (through the listing), or
// the word itself, checked by the name rules before anything is sent.
bool resolve(ShellContext& ctx, const std::string& pattern, std::vector<std::string>& names) {
  if (!has_glob_chars(pattern)) {
    names.push_back(pattern);
    return true;
  }
  return remote_query(ctx, "rm", pattern, [&] {
    auto matches = names_matching_glob(ctx.client, pattern);
    if (matches.empty()) throw proto::ProtocolError(proto::Errc::not_found, "no remote file matches " + pattern);
    for (auto& name : matches) names.push_back(std::move(name));
  });
}

}  // namespace

bool remove_files(ShellContext& ctx, const std::vector<std::string>& patterns) {
  bool all_ok = true;
  for (const auto& pattern : patterns) {
    std::vector<std::string> names;
    if (!resolve(ctx, pattern, names)) {
      all_ok = false;
      if (ctx.interrupted) return false;
      continue;
    }
    for (const auto& name : names) {
      bool ok = remote_op(ctx, "rm", name, [&] {
        check_remote_name(name);
        ctx.client.remove(name);
        return std::string("deleted");
      });
      all_ok = all_ok && ok;
      if (ctx.interrupted) return false;  // Ctrl-C stops the rest
    }
  }
  return all_ok;
}

bool rename_file(ShellContext& ctx, const std::string& old_name, const std::string& new_name) {
  return remote_op(ctx, "rename", old_name, [&] {
    check_remote_name(old_name);
    check_remote_name(new_name);
    ctx.client.rename(old_name, new_name);
    return "renamed to " + new_name;
  });
}

}  // namespace imgsh::shell
