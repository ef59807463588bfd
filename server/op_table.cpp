#include "server/op_table.hpp"

#include <algorithm>
#include <string>

#include "server/client_cancel.hpp"
#include "server/handlers.hpp"
#include "server/put_exchange.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

// Adapts a handler of one message type to the table's common signature.
template <class Message, asio::awaitable<Outcome> (*handle)(RequestContext&, const Message&)>
asio::awaitable<Outcome> typed(RequestContext& ctx, const proto::RequestBody& body) {
  return handle(ctx, std::get<Message>(body));
}

//  op          handler                                  writes takes_body phase
constexpr OpRow kOps[] = {
    {"hello", typed<proto::Hello, handle_hello>, false, false, OpPhase::opening},
    {"bye", typed<proto::Bye, handle_bye>, false, false, OpPhase::open},
    {"list", typed<proto::List, handle_list>, false, false, OpPhase::open},
    {"stat", typed<proto::Stat, handle_stat>, false, false, OpPhase::open},
    {"get", typed<proto::Get, handle_get>, false, false, OpPhase::open},
    {"put", typed<proto::Put, handle_put>, true, true, OpPhase::open},
    {"ping", typed<proto::Ping, handle_ping>, false, false, OpPhase::any},
    {"thumb", typed<proto::Thumb, handle_thumb>, false, false, OpPhase::open},
    {.op = "delete", .handler = typed<proto::Delete, handle_delete>, .writes = true, .deletes = true},
    {.op = "rename", .handler = typed<proto::Rename, handle_rename>, .writes = true, .deletes = true},
    {"stats", typed<proto::Stats, handle_stats>, false, false, OpPhase::open},
    // Found mid-request by the request itself (client_cancel.hpp); as a request, what it named has ended.
    {"cancel", typed<proto::Cancel, handle_cancel>, false, false, OpPhase::any},
    // These two only ever come inside a put exchange (put_exchange.cpp reads them).
    {"data", nullptr, false, true, OpPhase::open, "a data frame must follow a put announcement and its continue reply"},
    {"checksum", nullptr, false, false, OpPhase::open, "a checksum frame must follow a put body"},
};

// Why a session without rwd rights may not delete or rename.
ProtocolError delete_refused(const OpRow& row, const SessionView& session) {
  std::string op(row.op);
  if (!session.token_rights) {
    return ProtocolError(Errc::forbidden, op + " is off on this server: it takes no tokens and was not started with "
                                               "--allow-delete");
  }
  return ProtocolError(Errc::forbidden, "this token has " + std::string(to_string(session.rights)) + " rights: " + op +
                                            " needs a token with rwd rights");
}

}  // namespace

std::span<const OpRow> op_table() { return kOps; }

const OpRow& find_op(const proto::RequestBody& body) {
  std::string_view op = proto::op_name(body);
  auto it = std::find_if(std::begin(kOps), std::end(kOps), [op](const OpRow& row) { return row.op == op; });
  if (it == std::end(kOps)) throw ProtocolError(Errc::internal, "no handler for op " + std::string(op));
  return *it;
}

std::optional<ProtocolError> request_permitted(const OpRow& row, const SessionView& session, std::uint64_t body_len) {
  if (!session.hello_done && row.phase == OpPhase::open) {
    return ProtocolError(Errc::bad_request, "the first request must be hello");
  }
  if (session.hello_done && row.phase == OpPhase::opening) return ProtocolError(Errc::bad_request, "hello was already sent");
  if (!row.handler) return ProtocolError(Errc::bad_request, std::string(row.out_of_place));
  if (!row.takes_body && body_len != 0) return ProtocolError(Errc::bad_request, std::string(row.op) + " takes no body");
  if (row.deletes && session.rights != Rights::read_write_delete) return delete_refused(row, session);
  if (row.writes && session.rights == Rights::read_only) {
    return ProtocolError(Errc::forbidden, "this token is read-only (ro): " + std::string(row.op) +
                                              " needs a token with rw rights");
  }
  return std::nullopt;
}

}  // namespace imgsh::server
