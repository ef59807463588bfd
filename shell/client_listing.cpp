// Client::list_each and Client::list: the list op, its body decoded as it arrives
// (proto::ListBodyDecoder), so no listing is ever held as one string.
#include <string_view>

#include "protocol/list_body_decoder.hpp"
#include "shell/client.hpp"
#include "shell/query_deadline.hpp"
#include "shell/request_steps.hpp"

namespace imgsh::shell {
namespace {

// What an entry costs while held: the struct and its strings' bytes.
std::uint64_t held_bytes(const proto::FileInfo& f) { return sizeof(proto::FileInfo) + f.name.size() + f.xxh3.size(); }

}  // namespace

bool Client::list_each(const std::string& prefix, std::uint64_t limit, const ListEntryFn& on_entry) {
  return receive_listing(prefix, limit, on_entry, false);
}

Listing Client::list(const std::string& prefix, std::uint64_t limit, const ListFilter& keep) {
  Listing listing;
  std::uint64_t held = 0;
  listing.truncated = receive_listing(
      prefix, limit,
      [&](proto::FileInfo&& f) {
        if (keep && !keep(f)) return;
        held += held_bytes(f);
        if (held > kMaxHeldListing) {
          throw RemoteError(proto::Errc::too_large, "over " + std::to_string(listing.files.size()) +
                                                        " names match, more than imgsh holds (" +
                                                        std::to_string(kMaxHeldListing >> 20) +
                                                        " MiB); not read further (narrow the PATTERN)");
        }
        listing.files.push_back(std::move(f));
      },
      true);
  return listing;
}

// (Coroutine call arguments are lvalues: see client.cpp.)
bool Client::receive_listing(const std::string& prefix, std::uint64_t limit, const ListEntryFn& on_entry,
                             bool whole_under_deadline) {
  proto::RequestBody list = proto::List{prefix, limit};
  QueryDeadline deadline(conn_.bridge(), query_timeout_);
  return conn_.run([&]() -> asio::awaitable<bool> {
    proto::FrameHead head;
    proto::Reply reply = co_await request(conn_, list, &head);
    proto::ListReply header = proto::parse_list_reply(reply);
    if (!whole_under_deadline) conn_.bridge().reply_began();
    TransferDeadline::Watch watch(conn_.bridge().transfer_deadline(), conn_.stream().tcp(),
                                  TransferDeadline::Direction::receiving,
                                  "the server stopped sending its listing: no byte came");
    proto::ListBodyDecoder decoder;
    while (true) {
      auto piece = co_await conn_.reader().read_body_some();
      if (piece.empty()) break;
      decoder.feed(std::string_view(reinterpret_cast<const char*>(piece.data()), piece.size()), on_entry);
      watch.moved();  // after the entries were handled: a slow terminal is not the server's stall
    }
    decoder.finish();
    co_return header.truncated;
  }());
}

}  // namespace imgsh::shell
