#pragma once
// The put exchange of PROTOCOL.md section 4, in one place: announce ->
// continue -> data frame -> body -> checksum trailer -> publish, and the rule
// for a body the server will not keep (drain a small one with its trailer and
// go on; close rather than read a large one).
#include <cstdint>

#include <asio/awaitable.hpp>

#include "protocol/frame_stream.hpp"
#include "protocol/messages.hpp"
#include "protocol/net_stream.hpp"
#include "server/outcome.hpp"
#include "server/request_context.hpp"

namespace imgsh::server {

// The put handler: runs the whole exchange for the put frame just read (its
// body, if any, not yet). Refusals come back as an error Outcome, with
// `close` set when the stream is out of step or a refused body is too large
// to drain; only a framing error (bad_frame) is thrown.
asio::awaitable<Outcome> handle_put(RequestContext& ctx, const proto::Put& req);

// True when a checksum trailer follows this frame's body: the frame's op is
// put and it has a body, even if the rest of its header is malformed.
bool put_trailer_follows(const proto::FrameHead& head);

// For a request refused while its body (and, with `trailer_follows`, the
// trailer of put `id`) is still to come: reads and drops them if at most
// `drain_limit` body bytes remain. Returns false when the stream cannot go on
// (too much left, or the next frame was not the trailer): reply, then close.
asio::awaitable<bool> discard_refused_body(proto::FrameReader<proto::NetStream>& reader, std::uint64_t id,
                                           bool trailer_follows, std::uint64_t drain_limit);

}  // namespace imgsh::server
