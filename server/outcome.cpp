#include "server/outcome.hpp"

#include "protocol/messages.hpp"
#include "server/log_text.hpp"

namespace imgsh::server {

Outcome refused(std::uint64_t id, const proto::ProtocolError& error, bool close) {
  Outcome outcome;
  outcome.reply = proto::error_reply(id, error.code(), error.what());
  outcome.log = log_safe(error.what());
  outcome.refused = error.code();
  outcome.close = close;
  return outcome;
}

}  // namespace imgsh::server
