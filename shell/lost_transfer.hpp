#pragma once
// Why a file of a many-file transfer failed, as far as trying it again goes:
// a lost connection (the node went away: restart, drain, crash) is worth a
// retry after a reconnect, which through a balancer reaches a live node; a
// refusal, a local error or Ctrl-C is not.
#include <exception>

namespace imgsh::shell {

enum class LostTransfer {
  no,         // not a lost connection: report it as it is
  unsent,     // never sent (NotTransferred): the server never saw it
  uncertain,  // the connection broke during it: a put may have been stored
};

LostTransfer lost_transfer(std::exception_ptr why);

}  // namespace imgsh::shell
