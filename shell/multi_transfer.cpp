#include "shell/multi_transfer.hpp"

#include "shell/file_transfers.hpp"

namespace imgsh::shell {

TransferCounts transfer_files(ShellContext& ctx, Direction direction, const std::vector<TransferItem>& items) {
  TransferCounts counts;
  for (const auto& item : items) {
    bool ok = direction == Direction::get ? get_file(ctx, item.remote_name, item.local_path)
                                          : put_file(ctx, item.local_path, item.remote_name);
    ++(ok ? counts.done : counts.failed);
    if (ctx.interrupted) break;
  }
  return counts;
}

}  // namespace imgsh::shell
