#pragma once
// The start-up log lines about transport security and access control.
#include <cstddef>

#include <asio/ip/address.hpp>

#include "server/server_options.hpp"
#include "server/tls_context.hpp"

namespace imgsh::server {

// Says whether connections are TLS (and with which certificate) or plain TCP,
// whether tokens are required, and warns when a non-loopback listener lacks
// TLS or tokens.
void log_security(const ServerOptions& options, const TlsContext& tls, std::size_t tokens,
                  const asio::ip::address& bound);

}  // namespace imgsh::server
