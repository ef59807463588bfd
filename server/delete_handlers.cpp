// delete and rename: the two ops that need rwd rights (op_table.cpp checks
// them). Each success is logged with the session's identity beside the
// client's address (the summary line).
#include "server/client_identity.hpp"
#include "server/handlers.hpp"
#include "server/log_text.hpp"

namespace imgsh::server {

asio::awaitable<Outcome> handle_delete(RequestContext& ctx, const proto::Delete& req) {
  co_await ctx.server.store.remove(req.name);
  co_return succeeded(proto::ok_reply(ctx.id), "deleted, by " + describe(ctx.who));
}

asio::awaitable<Outcome> handle_rename(RequestContext& ctx, const proto::Rename& req) {
  proto::FileInfo info = co_await ctx.server.store.rename(req.name, req.new_name);
  co_return succeeded(proto::file_info_reply(ctx.id, info),
                      "renamed to " + log_safe(req.new_name) + ", by " + describe(ctx.who));
}

}  // namespace imgsh::server
