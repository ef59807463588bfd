#pragma once
// Who may use the server: without a token file everyone may do everything;
// with one, a hello must carry a token from it, and its rights decide.
#include <memory>
#include <mutex>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "server/auth_throttle.hpp"
#include "server/token_store.hpp"

namespace imgsh::server {

class Gatekeeper {
 public:
  Gatekeeper() = default;  // open: no tokens needed
  explicit Gatekeeper(TokenStore tokens) : tokens_(std::make_shared<const TokenStore>(std::move(tokens))) {}

  bool needs_token() const { return needs_token_; }
  // Swaps in a re-read token file (SIGHUP), from any thread. Sessions already
  // admitted keep their rights; the next hello is checked against `tokens`.
  void replace(TokenStore tokens);
  // The rights `token` grants. A missing or unknown token is refused with
  // ProtocolError(unauthorized), after the throttle's delay for `peer`.
  // Without tokens everyone gets `open_rights` (rw, or rwd with --allow-delete).
  asio::awaitable<TokenGrant> admit(const std::string& token, const asio::ip::address& peer,
                                    Rights open_rights = Rights::read_write);

 private:
  std::shared_ptr<const TokenStore> current() const;

  mutable std::mutex mutex_;  // guards tokens_: admit() copies the pointer, replace() swaps it
  std::shared_ptr<const TokenStore> tokens_;
  const bool needs_token_ = tokens_ != nullptr;
  AuthThrottle throttle_;
};

}  // namespace imgsh::server
