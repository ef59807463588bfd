#include "shell/remote_glob.hpp"

#include <algorithm>

#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"
#include "shell/remote_op.hpp"
#include "shell/remote_patterns.hpp"

namespace imgsh::shell {

std::optional<std::vector<std::string>> remote_glob_names(ShellContext& ctx, std::string_view op,
                                                          const std::string& pattern) {
  std::vector<std::string> names;
  bool found = remote_query(ctx, op, pattern, [&] {
    names = names_matching_glob(ctx.client, pattern);
    if (names.empty()) throw proto::ProtocolError(proto::Errc::not_found, "no remote file matches " + pattern);
  });
  if (!found) return std::nullopt;
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace imgsh::shell
