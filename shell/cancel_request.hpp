#pragma once
// Ctrl-C during a request, on the wire (PROTOCOL.md "cancel"): the request
// watch keeps a duplicate of the socket it closes, and the connection then
// tells the server the request was given up, so its log says cancelled, not
// a lost connection. Plain TCP only: through TLS the aborted request leaves
// the session mid-record, so nothing more can be said in it.
#include <chrono>
#include <cstdint>

namespace imgsh::shell {

// How long the goodbye may take: the frame out, then the server's close.
inline constexpr std::chrono::milliseconds kCancelGoodbyeLimit{2000};

// On `socket_fd` (the interrupted request's connection; the caller closes it
// afterwards): sends the cancel frame naming `last_id`, the last request sent,
// closes the sending side, and reads (dropping) until the server closes, all
// within `limit`. After a request cut mid-body the frame ends that body: the
// server finds it at the end of the stream (protocol/client_cancel.hpp).
void send_cancel(int socket_fd, std::uint64_t last_id, std::chrono::milliseconds limit = kCancelGoodbyeLimit);

}  // namespace imgsh::shell
