#include "server/security_notes.hpp"

#include <spdlog/spdlog.h>

namespace imgsh::server {

void log_security(const ServerOptions& options, const TlsContext& tls, std::size_t tokens,
                  const asio::ip::address& bound) {
  bool use_tls = tls.context != nullptr;
  bool use_tokens = !options.tokens.empty();
  if (use_tls) {
    spdlog::info("TLS on ({}), certificate subject: {}; valid until {}",
                 options.tls_min == "1.2" ? "TLS 1.2 and 1.3" : "TLS 1.3 only", tls.subject, tls.not_after);
  } else {
    spdlog::info("plain TCP, no TLS (give --tls-cert and --tls-key to encrypt)");
  }
  if (use_tokens) {
    spdlog::info("tokens required: {} in {}", tokens, options.tokens.string());
    if (tokens == 0) spdlog::warn("{} holds no token: every client is refused (add one: imgsrv token add --tokens {})",
                                  options.tokens.string(), options.tokens.string());
  } else {
    spdlog::info("no tokens: every client may read and write (give --tokens FILE to require one)");
  }
  if (!bound.is_loopback() && !(use_tls && use_tokens)) {
    spdlog::warn("listening beyond loopback without {}: {} (see README, \"Secure deployment\")",
                 !use_tls && !use_tokens ? "TLS and tokens" : !use_tls ? "TLS" : "tokens",
                 !use_tokens ? "anyone who reaches the port can read and write" : "tokens and files cross the network in the clear");
  }
}

}  // namespace imgsh::server
