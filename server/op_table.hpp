#pragma once
// The one table of ops (as OpenSSH sftp-server.c's handlers[]): each row
// names the op, its handler and the rules the session checks before calling
// it. Adding an op is one row here and one handler (plus its message type in
// protocol/messages).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <asio/awaitable.hpp>

#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"
#include "server/outcome.hpp"
#include "server/request_context.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {

using Handler = asio::awaitable<Outcome> (*)(RequestContext& ctx, const proto::RequestBody& body);

// When in a session an op may come.
enum class OpPhase {
  opening,  // only as the first request (hello)
  open,     // only after a successful hello
  any,      // before or after hello (ping: one frame each way for a health check)
};

struct OpRow {
  std::string_view op;
  Handler handler;                   // null for a frame that belongs inside a put exchange
  bool writes = false;               // changes the store: needs rw rights
  bool takes_body = false;           // the request frame may carry a body
  OpPhase phase = OpPhase::open;
  std::string_view out_of_place{};   // handler null: why the frame is refused on its own
  bool deletes = false; // removes or renames a stored file: needs rwd rights
};

// Every row; one per request type of proto::RequestBody.
std::span<const OpRow> op_table();
// The row of a parsed request (every request type has one).
const OpRow& find_op(const proto::RequestBody& body);

// What the session knows when it checks a request.
struct SessionView {
  bool hello_done = false;
  Rights rights = Rights::read_write;
  // false: the server takes no tokens, and rights say whether it was started
  // with --allow-delete (rwd) or not (rw)
  bool token_rights = true;
};

// Whether `row`'s op may run now, with a body of `body_len` bytes; the
// refusal (bad_request, forbidden) when not.
// (ro < rw < rwd: writes need rw, deletes rwd.)
std::optional<proto::ProtocolError> request_permitted(const OpRow& row, const SessionView& session,
                                                      std::uint64_t body_len);

}  // namespace imgsh::server
