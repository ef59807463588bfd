#include "shell/multi_transfer.hpp"

#include "shell/file_transfers.hpp"

namespace imgsh::shell {

TransferCounts transfer_files(ShellContext& ctx, Direction direction, const std::vector<TransferItem>& items) {
  TransferCounts counts;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TransferItem& item = items[i];
    bool ok = direction == Direction::get ? get_file(ctx, item.remote_name, item.local_path)
                                          : put_file(ctx, item.local_path, item.remote_name);
    ++(ok ? counts.done : counts.failed);
    if (ctx.interrupted) {  // Ctrl-C stops the rest; they count as not done
      counts.failed += items.size() - i - 1;
      break;
    }
  }
  return counts;
}

}  // namespace imgsh::shell
