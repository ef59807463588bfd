#pragma once
// One handler per op (op_table.cpp lists them). Each returns an Outcome and
// refuses by throwing proto::ProtocolError (the store's refusals are thrown
// too); the session turns that into an error reply. The session has checked
// request_permitted before calling. The put handler is in put_exchange.hpp.
#include <asio/awaitable.hpp>

#include "protocol/messages.hpp"
#include "server/outcome.hpp"
#include "server/request_context.hpp"

namespace imgsh::server {

asio::awaitable<Outcome> handle_hello(RequestContext& ctx, const proto::Hello& req);
asio::awaitable<Outcome> handle_bye(RequestContext& ctx, const proto::Bye& req);
asio::awaitable<Outcome> handle_list(RequestContext& ctx, const proto::List& req);
asio::awaitable<Outcome> handle_stat(RequestContext& ctx, const proto::Stat& req);
asio::awaitable<Outcome> handle_get(RequestContext& ctx, const proto::Get& req);
asio::awaitable<Outcome> handle_ping(RequestContext& ctx, const proto::Ping& req);
asio::awaitable<Outcome> handle_thumb(RequestContext& ctx, const proto::Thumb& req);  // thumb_handler.cpp
// delete_handlers.cpp
asio::awaitable<Outcome> handle_delete(RequestContext& ctx, const proto::Delete& req);
asio::awaitable<Outcome> handle_rename(RequestContext& ctx, const proto::Rename& req);
asio::awaitable<Outcome> handle_stats(RequestContext& ctx, const proto::Stats& req);  // stats_handler.cpp

}  // namespace imgsh::server
