// The thumb op: a small upright JPEG or PNG of a stored image in the reply body.
#include "protocol/names.hpp"
#include "server/handlers.hpp"

namespace imgsh::server {

asio::awaitable<Outcome> handle_thumb(RequestContext& ctx, const proto::Thumb& req) {
  std::shared_ptr<const proto::Thumbnail> thumb = co_await ctx.server.store.thumbnail(req.name, req.edge);
  proto::ThumbReply reply{thumb->format == proto::ImageKind::png ? "png" : "jpeg", thumb->width, thumb->height};
  Outcome outcome = succeeded(proto::thumb_reply(ctx.id, reply), std::to_string(thumb->width) + "x" +
                                                                     std::to_string(thumb->height) + " " + reply.format +
                                                                     ", " + std::to_string(thumb->bytes.size()) + " bytes");
  outcome.body = thumb->bytes;
  co_return outcome;
}

}  // namespace imgsh::server
