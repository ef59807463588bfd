#pragma once
// The per-file loop of multi-file commands (get/put with a pattern, mget,
// mput): every file gets its own report line; a refused file does not stop
// the rest; Ctrl-C stops them all. The one seam for a batched transfer.
#include <cstddef>
#include <string>
#include <vector>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

enum class Direction { get, put };

struct TransferItem {
  std::string remote_name;
  std::string local_path;  // get: a file or directory to save into (empty: the current directory); put: the source
};

struct TransferCounts {
  std::size_t done = 0;
  std::size_t failed = 0;
};

TransferCounts transfer_files(ShellContext& ctx, Direction direction, const std::vector<TransferItem>& items);

}  // namespace imgsh::shell
