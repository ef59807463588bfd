#pragma once
// Who a session speaks for, as the log names it beside the client's address
// when a request removes or renames a stored file. The one place that says
// it: a token's label, when tokens have one, belongs here.
#include <string>

#include "server/token_store.hpp"

namespace imgsh::server {

struct ClientIdentity {
  bool token = false;  // false: the server takes no tokens (rights from --allow-delete)
  Rights rights = Rights::read_write;
};

// "an rwd token", "an rw token", or "no token (--allow-delete)".
std::string describe(const ClientIdentity& who);

}  // namespace imgsh::server
