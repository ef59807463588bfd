#pragma once
// The server's TLS configuration: certificate, key and the lowest TLS version.
#include <filesystem>
#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

namespace imgsh::server {

struct TlsContext {
  std::unique_ptr<asio::ssl::context> context;
  std::string subject;      // the certificate's subject, for the start-up log
  std::string not_after;    // its expiry date, for the start-up log
};

// Loads the certificate chain (PEM) and its private key; `min_version` is
// "1.3" (the default) or "1.2". Throws std::runtime_error with a one-line
// reason that names the file at fault.
TlsContext make_tls_context(const std::filesystem::path& cert, const std::filesystem::path& key,
                            const std::string& min_version);

}  // namespace imgsh::server
