#pragma once
// A client's cancellation (PROTOCOL.md, "cancel"): the frame {"op":"cancel","id":N}
// (N: the last request the client sent), which the client sends when the user
// gives up (Ctrl-C) and then closes. Where the server finds it:
//  - as a frame in its place (in place of a put's data frame or checksum trailer,
//    or as a request): is_cancel();
//  - behind a get or list body the server is still sending: the bytes the client
//    sent meanwhile, looked at without taking them (find_cancel);
//  - at the end of a put body cut short: a body is body_len bytes, so a client
//    cancelling mid-body sends the frame as the last bytes it sends and closes its
//    side; the server, meeting the end of the stream inside the body, looks at the
//    body's last bytes (ends_with_cancel).
#include <cstdint>
#include <span>
#include <string>

#include "protocol/frame_stream.hpp"

namespace imgsh::proto {

// The whole frame, as the client sends it.
std::string encode_cancel_frame(std::uint64_t id);

// True when `head` is a cancel frame (op "cancel", no body).
bool is_cancel(const FrameHead& head);

// True when `bytes`, read from a frame boundary on (frames the client pipelined
// after the request in progress), hold a whole cancel frame. Stops at the first
// frame not wholly in `bytes`, or at bytes that are not framing.
bool find_cancel(std::span<const std::uint8_t> bytes);

// The body bytes a server keeps to look for a cancel frame at a body's end
// (FrameReader::body_tail): a cancel frame with any id fits in it.
inline constexpr std::size_t kCancelFrameMax = kBodyTailSize;

// True when `tail` (the last bytes of a body cut short) ends with a whole
// cancel frame.
bool ends_with_cancel(std::span<const std::uint8_t> tail);

}  // namespace imgsh::proto
