#include "server/client_identity.hpp"

namespace imgsh::server {

std::string describe(const ClientIdentity& who) {
  if (!who.token) return who.rights == Rights::read_write_delete ? "no token (--allow-delete)" : "no token";
  return "an " + std::string(to_string(who.rights)) + " token";  // ro, rw, rwd: all read with "an"
}

}  // namespace imgsh::server
