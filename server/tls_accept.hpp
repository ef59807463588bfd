#pragma once
// The server's side of a TLS handshake, bounded in time.
#include <chrono>
#include <stdexcept>
#include <string>

#include <asio/awaitable.hpp>

#include "protocol/net_stream.hpp"

namespace imgsh::server {

// The connection did not become a TLS session; what() says why, for the log.
class TlsRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Completes the handshake within `limit` (a client that stalls it is dropped).
// A plain imgsh client (its first byte starts a frame, not a TLS record) gets
// a plain tls_required error frame, so it can say what to do. Throws TlsRefused.
// Returns the version and cipher agreed, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384".
asio::awaitable<std::string> accept_tls(proto::NetStream& stream, std::chrono::steady_clock::duration limit);

}  // namespace imgsh::server
