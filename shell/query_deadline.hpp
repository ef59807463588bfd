#pragma once
// list, stat, delete and rename answer at once from a live server: they get
// the --timeout deadline, unless a shorter one is set (completion's).
// Transfers have none: their length depends on the file (a body that stops
// moving is transfer_deadline.hpp's).
#include <chrono>

#include "shell/blocking_bridge.hpp"

namespace imgsh::shell {

class QueryDeadline {
 public:
  QueryDeadline(BlockingBridge& bridge, std::chrono::milliseconds limit) : bridge_(bridge), saved_(bridge.reply_timeout()) {
    if (limit.count() > 0 && (saved_.count() == 0 || limit < saved_)) bridge_.set_reply_timeout(limit);
  }
  ~QueryDeadline() { bridge_.set_reply_timeout(saved_); }
  QueryDeadline(const QueryDeadline&) = delete;
  QueryDeadline& operator=(const QueryDeadline&) = delete;

 private:
  BlockingBridge& bridge_;
  std::chrono::milliseconds saved_;
};

}  // namespace imgsh::shell
