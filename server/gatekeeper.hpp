#pragma once
// Who may use the server: without a token file everyone may do everything;
// with one, a hello must carry a token from it, and its rights decide.
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "server/auth_throttle.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {

class Gatekeeper {
 public:
  Gatekeeper() = default;  // open: no tokens needed
  explicit Gatekeeper(TokenStore tokens) : tokens_(std::move(tokens)) {}

  bool needs_token() const { return tokens_.has_value(); }
  // The rights `token` grants. A missing or unknown token is refused with
  // ProtocolError(unauthorized), after the throttle's delay for `peer`.
  asio::awaitable<Rights> admit(const std::string& token, const asio::ip::address& peer);

 private:
  std::optional<TokenStore> tokens_;
  AuthThrottle throttle_;
};

}  // namespace imgsh::server
