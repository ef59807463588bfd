#include "server/gatekeeper.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/error_code.hpp"

namespace imgsh::server {

void Gatekeeper::replace(TokenStore tokens) {
  auto fresh = std::make_shared<const TokenStore>(std::move(tokens));
  std::lock_guard lock(mutex_);
  tokens_ = std::move(fresh);  // the old set dies with the last admit() still looking at it
}

std::shared_ptr<const TokenStore> Gatekeeper::current() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

asio::awaitable<TokenGrant> Gatekeeper::admit(const std::string& token, const asio::ip::address& peer,
                                             Rights open_rights) {
  if (!needs_token_) co_return TokenGrant{open_rights, ""};
  std::optional<TokenGrant> grant = current()->grant(token);
  if (grant && !token.empty()) {
    throttle_.success(peer);
    co_return std::move(*grant);
  }
  asio::steady_timer pause(co_await asio::this_coro::executor, throttle_.failure(peer));
  co_await pause.async_wait(asio::use_awaitable);
  throw proto::ProtocolError(proto::Errc::unauthorized,
                             token.empty() ? "this server needs a token" : "the token is not valid for this server");
}

}  // namespace imgsh::server
