#include "server/handlers.hpp"

#include "protocol/file_info_head.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/version.hpp"
#include "server/log_text.hpp"

namespace imgsh::server {
using proto::Errc;
using proto::ProtocolError;

asio::awaitable<Outcome> handle_hello(RequestContext& ctx, const proto::Hello& req) {
  if (req.version != proto::kProtocolVersion) {
    throw ProtocolError(Errc::bad_request, "protocol version " + std::to_string(req.version) +
                                               " is not supported; this server speaks version 1");
  }
  Gatekeeper* gate = ctx.server.gate;
  Rights open_rights = ctx.server.options.allow_delete ? Rights::read_write_delete : Rights::read_write;
  // Not `gate ? co_await ... : ...`: g++ 12 destroys such a temporary twice.
  TokenGrant grant{open_rights, ""};
  if (gate) grant = co_await gate->admit(req.token, ctx.peer_address, open_rights);
  Rights rights = grant.rights;
  const ServerOptions& options = ctx.server.options;
  proto::Limits limits{options.max_file_size, options.inline_put_max, proto::kMaxHeaderLen};
  std::string token_note = gate ? std::string(" (") + std::string(to_string(rights)) + " token)" : "";
  Outcome outcome = succeeded(proto::hello_reply(ctx.id, "imgsrv/" IMGSH_VERSION, limits),
                              "client " + log_safe(req.client, 64) + token_note);
  outcome.opened = rights;
  outcome.token_label = std::move(grant.label);
  co_return outcome;
}

asio::awaitable<Outcome> handle_bye(RequestContext& ctx, const proto::Bye&) {
  Outcome outcome = succeeded(proto::ok_reply(ctx.id), "goodbye");
  outcome.close = true;
  co_return outcome;
}

asio::awaitable<Outcome> handle_list(RequestContext& ctx, const proto::List& req) {
  // Encoded as the store finds the entries; a large body is spilled, not held (listing_body.hpp).
  auto body = std::make_unique<ListingBody>();
  bool truncated = co_await ctx.server.store.list(req.prefix, req.limit, [&](const proto::FileInfo& entry) { body->add(entry); });
  body->finish();
  Outcome outcome = succeeded(proto::list_reply(ctx.id, body->count(), truncated),
                              std::to_string(body->count()) + " files" + (truncated ? " (truncated)" : ""));
  outcome.bytes = body->size();
  if (body->spilled()) {
    outcome.listing = std::move(body);
  } else {
    outcome.body = body->take_memory();
  }
  co_return outcome;
}

asio::awaitable<Outcome> handle_stat(RequestContext& ctx, const proto::Stat& req) {
  proto::FileInfo info = co_await ctx.server.store.stat(req.name);
  co_return succeeded(proto::file_info_reply(ctx.id, info), std::to_string(info.size) + " bytes");
}

asio::awaitable<Outcome> handle_get(RequestContext& ctx, const proto::Get& req) {
  std::unique_ptr<StoredFile> file = co_await ctx.server.store.open(req.name);
  const proto::FileInfo& info = file->info();
  if (req.offset > info.size) {
    throw ProtocolError(Errc::bad_request, "offset " + std::to_string(req.offset) + " is past the end of " +
                                               log_safe(req.name, 64) + " (" + std::to_string(info.size) + " bytes)");
  }
  if (req.offset == 0) {
    Outcome outcome = succeeded(nullptr, "sent " + std::to_string(info.size) + " bytes");
    outcome.head = proto::file_info_head(ctx.id, info, info.size);  // written without a JSON document
    outcome.bytes = info.size;
    outcome.file = std::move(file);
    co_return outcome;
  }
  nlohmann::json reply = proto::file_info_reply(ctx.id, info);
  reply["offset"] = req.offset;  // a resumed get: the body is the bytes from there on
  Outcome outcome = succeeded(std::move(reply), "sent " + std::to_string(info.size - req.offset) +
                                                    " bytes from offset " + std::to_string(req.offset));
  outcome.bytes = info.size - req.offset;
  outcome.file_offset = req.offset;
  outcome.file = std::move(file);
  co_return outcome;
}

asio::awaitable<Outcome> handle_ping(RequestContext& ctx, const proto::Ping&) {
  std::size_t sessions = ctx.server.open_sessions ? ctx.server.open_sessions->load() : 0;
  co_return succeeded(proto::ping_reply(ctx.id, "imgsrv/" IMGSH_VERSION, sessions), std::to_string(sessions) + " sessions");
}

}  // namespace imgsh::server
