#include "server/put_trailer.hpp"

#include "protocol/messages.hpp"

namespace imgsh::server {

using proto::Errc;
using proto::ProtocolError;

asio::awaitable<std::string> read_put_trailer(proto::FrameReader<proto::NetStream>& reader, std::uint64_t id,
                                              bool& close_after) {
  proto::FrameHead head = co_await reader.read_header();
  std::uint64_t trailer_id = 0;
  const proto::Checksum* trailer = nullptr;
  proto::Request request;
  try {
    request = proto::parse_request(head.header, trailer_id);
    trailer = std::get_if<proto::Checksum>(&request.body);
  } catch (const ProtocolError&) {
  }
  if (!trailer || trailer_id != id || head.body_len != 0) {
    close_after = true;
    throw ProtocolError(Errc::bad_request, "expected the checksum trailer of put " + std::to_string(id));
  }
  co_return trailer->xxh3;
}

}  // namespace imgsh::server
