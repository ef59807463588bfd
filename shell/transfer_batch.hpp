#pragma once
// Multi-file get and put over the one connection, pipelined: a window of
// requests stays outstanding (replies come back in order), so many small files
// do not pay a round trip each. One report line per file, in order, then one
// summary line; a refused file does not stop the others.
#include <cstddef>
#include <string>
#include <vector>

namespace imgsh::shell {

struct ShellContext;

struct BatchCounts {
  std::size_t ok = 0;
  std::size_t failed = 0;
};

// Downloads each remote name into local_dir ("" for the current directory).
BatchCounts get_batch(ShellContext& ctx, const std::vector<std::string>& names, const std::string& local_dir);
// Uploads each local path under its base name.
BatchCounts put_batch(ShellContext& ctx, const std::vector<std::string>& paths);

}  // namespace imgsh::shell
