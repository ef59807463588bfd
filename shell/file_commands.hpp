#pragma once
// get and put of one file, each with its progress bar and its report line
// (many-file transfers: many_file_commands.hpp).
#include <string>

#include "shell/shell_context.hpp"

namespace imgsh::shell {

// The options transfers share (get/mget/put/mput).
struct TransferFlags {
  bool preserve_time = false;  // -p: the copy keeps the source's modification time
  bool skip_same = false;      // -n: a file already at the destination with the same content is skipped
  bool resume = false;         // -c: continue a transfer kept from before (reget, reput)
};

// get REMOTE [LOCAL]: LOCAL may be a file name, a directory, or - (stdout); never overwrites.
bool get_file(ShellContext& ctx, const std::string& name, const std::string& local_arg, const TransferFlags& flags);

// put LOCAL as REMOTE; LOCAL - reads stdin.
bool put_file(ShellContext& ctx, const std::string& path, const std::string& name, const TransferFlags& flags);

}  // namespace imgsh::shell
