#pragma once
// What the kernel knows about a TCP connection's progress (both ends watch
// their peer with it: the server's watchdog, the shell's stall deadline). Its
// own file because <linux/tcp.h> (which has these counters) cannot share a
// translation unit with <netinet/tcp.h> (which asio includes).
#include <cstdint>

namespace imgsh::proto {

// Bytes received from the peer plus bytes the peer acknowledged: grows while
// either direction moves. 0 if the socket cannot tell.
std::uint64_t tcp_bytes_moved(int fd);

// Bytes written to the socket that the peer has not acknowledged yet.
int tcp_unacknowledged_bytes(int fd);

}  // namespace imgsh::proto
