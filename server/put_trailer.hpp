#pragma once
// The checksum trailer that follows every put body (PROTOCOL.md section 4).
#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/net_stream.hpp"

namespace imgsh::server {

// Reads the next frame, which must be the `checksum` trailer of put `id`, and
// returns its xxh3. Anything else means the stream is out of step: sets
// `close_after` and throws ProtocolError(bad_request).
asio::awaitable<std::string> read_put_trailer(proto::FrameReader<proto::NetStream>& reader, std::uint64_t id,
                                              bool& close_after);

}  // namespace imgsh::server
