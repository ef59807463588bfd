#include "server/config_check.hpp"

#include <unistd.h>

#include <asio/ip/address.hpp>
#include <exception>
#include <system_error>

#include "server/tls_context.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {

namespace {

std::string check_root(const std::filesystem::path& root) {
  std::error_code ec;
  auto status = std::filesystem::status(root, ec);
  if (ec || !std::filesystem::exists(status)) return "root " + root.string() + " does not exist";
  if (!std::filesystem::is_directory(status)) return "root " + root.string() + " is not a directory";
  // The server creates temporaries and publishes files there.
  if (::access(root.c_str(), R_OK | W_OK | X_OK) != 0) {
    return "root " + root.string() + " is not readable and writable by this user";
  }
  return {};
}

}  // namespace

std::string check_config(const ServerOptions& options, const OriginOf& origin) {
  if (!options.bind.empty()) {
    std::error_code ec;
    asio::ip::make_address(options.bind, ec);
    if (ec) return "--bind " + options.bind + " is not an IP address" + origin("bind");
  }
  if (auto problem = check_root(options.root); !problem.empty()) return problem + origin("root");
  if (!options.tls_cert.empty()) {
    try {
      make_tls_context(options.tls_cert, options.tls_key, options.tls_min);
    } catch (const std::exception& e) {
      // The certificate or the key: name the line of the one at fault.
      std::string what = e.what();
      bool key = what.find("TLS key " + options.tls_key.string()) != std::string::npos ||
                 what.find("cannot use TLS key") != std::string::npos;
      return what + origin(key ? "tls-key" : "tls-cert");
    }
  }
  if (!options.tokens.empty()) {
    try {
      TokenStore::load(options.tokens);
    } catch (const std::exception& e) {
      return std::string(e.what()) + origin("tokens");
    }
  }
  return {};
}

}  // namespace imgsh::server
