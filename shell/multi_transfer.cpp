#include "shell/multi_transfer.hpp"

#include "shell/transfer_batch.hpp"

namespace imgsh::shell {

// Pipelined over the one connection (transfer_batch.cpp); Ctrl-C stops the
// rest, which count as not done.
TransferCounts transfer_files(ShellContext& ctx, Direction direction, const std::vector<TransferItem>& items) {
  return direction == Direction::get ? get_batch(ctx, items) : put_batch(ctx, items);
}

}  // namespace imgsh::shell
