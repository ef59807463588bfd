#include "server/handlers.hpp"

#include "protocol/checksum.hpp"
#include "protocol/file_transfer.hpp"
#include "protocol/image_sniff.hpp"
#include "server/put_trailer.hpp"

namespace imgsh::server {
namespace {

using proto::Errc;
using proto::ProtocolError;

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

nlohmann::json file_reply(std::uint64_t id, const proto::FileInfo& info) {
  nlohmann::json h = proto::ok_reply(id);
  h.update(proto::to_json(info));
  return h;
}

// After "continue", the next frame must be the announced body.
asio::awaitable<void> await_data_frame(RequestContext& ctx, const proto::Put& req) {
  nlohmann::json go_ahead = proto::continue_reply(ctx.id);
  co_await proto::write_frame(ctx.socket, go_ahead);
  proto::FrameHead data = co_await ctx.reader.read_header();
  std::uint64_t data_id = 0;
  bool is_data = false;
  try {
    is_data = std::holds_alternative<proto::Data>(proto::parse_request(data.header, data_id).body);
  } catch (const ProtocolError&) {
  }
  if (!is_data || data_id != ctx.id || data.body_len != req.size) {
    ctx.close_after = true;
    throw ProtocolError(Errc::bad_request, "expected the data frame of put " + std::to_string(ctx.id) + " with " +
                                               std::to_string(req.size) + " bytes");
  }
  ctx.trailer_due = true;
}

}  // namespace

asio::awaitable<Outcome> handle_list(RequestContext& ctx, const proto::List& req) {
  bool truncated = false;
  auto files = ctx.store.list(req.prefix, req.limit, truncated);
  nlohmann::json array = nlohmann::json::array();
  for (const auto& f : files) array.push_back(proto::to_json(f));
  std::string body = array.dump();
  nlohmann::json h = proto::ok_reply(ctx.id);
  h["count"] = files.size();
  h["truncated"] = truncated;
  co_await proto::write_frame(ctx.socket, h, as_bytes(body));
  co_return Outcome{std::to_string(files.size()) + " files" + (truncated ? " (truncated)" : "")};
}

asio::awaitable<Outcome> handle_stat(RequestContext& ctx, const proto::Stat& req) {
  proto::FileInfo info = ctx.store.stat(req.name);
  nlohmann::json reply = file_reply(ctx.id, info);
  co_await proto::write_frame(ctx.socket, reply);
  co_return Outcome{std::to_string(info.size) + " bytes"};
}

asio::awaitable<Outcome> handle_get(RequestContext& ctx, const proto::Get& req) {
  OpenedFile file = ctx.store.open(req.name);
  nlohmann::json reply = file_reply(ctx.id, file.info);
  std::string head = proto::encode_frame_head(reply, file.info.size);
  try {
    bool more_follows = ctx.reader.next_header_buffered();
    co_await proto::send_head_and_file(ctx.socket, head, file.fd.get(), 0, file.info.size, more_follows);
  } catch (const ProtocolError& e) {
    // The header promised more bytes than the file now has: the frame cannot
    // be completed, so the connection must end (the client keeps nothing).
    throw std::runtime_error(req.name + ": " + e.what());
  }
  co_return Outcome{"sent " + std::to_string(file.info.size) + " bytes"};
}

asio::awaitable<Outcome> handle_put(RequestContext& ctx, const proto::Put& req) {
  if (ctx.body_len != 0 && ctx.body_len != req.size) {
    throw ProtocolError(Errc::bad_request, "put body_len must be 0 (announced) or equal to size");
  }
  if (ctx.body_len == 0) {
    ctx.store.check_upload(req.name, req.size, ctx.options.max_file_size);
    co_await await_data_frame(ctx, req);
  }
  Upload upload = ctx.store.begin_upload(req.name, req.size, ctx.options.max_file_size);
  proto::SniffBuffer sniff;
  proto::Xxh3Hasher hasher;
  bool content_checked = false;
  auto check_content = [&] {
    if (auto problem = proto::check_content(req.name, sniff.bytes())) throw ProtocolError(Errc::not_an_image, *problem);
    content_checked = true;
  };
  while (true) {
    auto piece = co_await ctx.reader.read_body_some();
    if (piece.empty()) break;
    if (!content_checked) {
      sniff.add(piece);
      if (sniff.full()) check_content();
    }
    upload.write(piece);
    hasher.update(piece);
  }
  std::string sent = co_await read_put_trailer(ctx.reader, ctx.id, ctx.close_after);
  ctx.trailer_due = false;
  std::string received = hasher.hex();
  if (sent != received) {
    throw ProtocolError(Errc::checksum_mismatch, req.name + ": the bytes received (xxh3 " + received +
                                                     ") differ from the bytes sent (xxh3 " + sent + "); nothing stored");
  }
  if (!content_checked) check_content();
  proto::FileInfo info = upload.publish(received);
  nlohmann::json reply = file_reply(ctx.id, info);
  co_await proto::write_frame(ctx.socket, reply);
  co_return Outcome{"stored " + std::to_string(info.size) + " bytes"};
}

}  // namespace imgsh::server
