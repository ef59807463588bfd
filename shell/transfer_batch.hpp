#pragma once
// Multi-file get and put over the one connection, pipelined: a window of
// requests stays outstanding (replies come back in order), so many small files
// do not pay a round trip each. One report line per file, in order; a refused
// file does not stop the others. multi_transfer.cpp's transfer_files calls
// these; it prints the summary line.
#include <vector>

#include "shell/multi_transfer.hpp"

namespace imgsh::shell {

// Each item's remote_name saved to download_path(remote_name, local_path).
TransferCounts get_batch(ShellContext& ctx, const std::vector<TransferItem>& items);
// Each item's local_path stored as remote_name.
TransferCounts put_batch(ShellContext& ctx, const std::vector<TransferItem>& items);

}  // namespace imgsh::shell
